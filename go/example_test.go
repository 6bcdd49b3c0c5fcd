package v8runner_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	v8runner "github.com/v8runner/v8runner/go"
)

func ExampleRunV8() {
	out, err := v8runner.RunV8("'Hello ' + 'Go' + ' World'")
	if err != nil {
		panic(err)
	}
	fmt.Println(out)
	// Output: Hello Go World
}

func ExampleNewRuntime() {
	rt, err := v8runner.NewRuntime(v8runner.WithName("calc"), v8runner.WithHeapLimit(64<<20))
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	rt.Eval(context.Background(), "function square(x) { return x * x }")
	v, _ := rt.Eval(context.Background(), "square(12)")
	fmt.Println(v.Int())
	// Output: 144
}

func ExampleRuntime_Eval() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, err := rt.Eval(context.Background(), "({name: 'v8', version: [15, 2]})")
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Kind(), v.String())
	fmt.Println(v.Export().(map[string]any)["name"])
	// Output:
	// json {"name":"v8","version":[15,2]}
	// v8
}

func ExampleRuntime_Eval_timeout() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := rt.Eval(ctx, "while (true) {}")
	fmt.Println(errors.Is(err, v8runner.ErrTerminated), errors.Is(err, context.DeadlineExceeded))
	v, _ := rt.Eval(context.Background(), "'still usable'")
	fmt.Println(v)
	// Output:
	// true true
	// still usable
}

func ExampleRuntime_Close() {
	rt, _ := v8runner.NewRuntime()
	rt.Close()
	rt.Close() // idempotent
	_, err := rt.Eval(context.Background(), "1")
	fmt.Println(errors.Is(err, v8runner.ErrClosed))
	// Output: true
}

func ExampleJSError() {
	_, err := v8runner.RunV8("function f() {\n  throw new Error('boom')\n}\nf()")
	var jsErr *v8runner.JSError
	if errors.As(err, &jsErr) {
		fmt.Println(jsErr.Message, "at line", jsErr.Line)
		fmt.Printf("%+v\n", err)
	}
	// Output:
	// Uncaught Error: boom at line 2
	// runv8:2:3: Uncaught Error: boom
	// Error: boom
	//     at f (runv8:2:9)
	//     at runv8:4:1
}

func ExampleWithHeapLimit() {
	rt, _ := v8runner.NewRuntime(v8runner.WithHeapLimit(16 << 20))
	defer rt.Close()
	_, err := rt.Eval(context.Background(), "const a = []; while (true) a.push([a.length])")
	fmt.Println(errors.Is(err, v8runner.ErrHeapLimit))
	// Output: true
}

func ExampleValue_Unmarshal() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, _ := rt.Eval(context.Background(), "({id: 7, tags: ['a', 'b']})")
	var item struct {
		ID   int      `json:"id"`
		Tags []string `json:"tags"`
	}
	v.Unmarshal(&item)
	fmt.Printf("%+v\n", item)
	// Output: {ID:7 Tags:[a b]}
}
