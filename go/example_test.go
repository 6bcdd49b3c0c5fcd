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

func ExampleWithName() {
	rt, _ := v8runner.NewRuntime(v8runner.WithName("rules"))
	defer rt.Close()
	_, err := rt.Eval(context.Background(), "missing()")
	fmt.Println(err)
	// Output: rules:1:1: Uncaught ReferenceError: missing is not defined
}

func ExampleWithInitialHeap() {
	rt, _ := v8runner.NewRuntime(v8runner.WithInitialHeap(8<<20), v8runner.WithHeapLimit(128<<20))
	defer rt.Close()
	v, _ := rt.Eval(context.Background(), "new Array(1e5).fill(0).length")
	fmt.Println(v)
	// Output: 100000
}

func ExampleRuntime_EvalNamed() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	_, err := rt.EvalNamed(context.Background(), "let ok = 1;\nok.call()", "plugin.js")
	var jsErr *v8runner.JSError
	errors.As(err, &jsErr)
	fmt.Println(jsErr.Resource, jsErr.Line, jsErr.Column)
	// Output: plugin.js 2 4
}

func ExampleRuntime_Terminate() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	go func() {
		time.Sleep(20 * time.Millisecond)
		rt.Terminate()
	}()
	_, err := rt.Eval(context.Background(), "for (;;) {}")
	fmt.Println(errors.Is(err, v8runner.ErrTerminated))
	// Output: true
}

func ExampleValue() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	ctx := context.Background()
	n, _ := rt.Eval(ctx, "2 ** 40")
	b, _ := rt.Eval(ctx, "[1, 2].includes(2)")
	big, _ := rt.Eval(ctx, "2n ** 80n")
	bytes, _ := rt.Eval(ctx, "Uint8Array.from('hi', c => c.charCodeAt(0))")
	u, _ := rt.Eval(ctx, "undefined")
	null, _ := rt.Eval(ctx, "null")
	fmt.Println(n.Int(), n.Float(), n.Kind())
	fmt.Println(b.Bool(), big.Export(), bytes.Bytes())
	fmt.Println(u.IsUndefined(), null.IsNull(), null.Export() == nil)
	// Output:
	// 1099511627776 1.099511627776e+12 number
	// true 1208925819614629174706176 [104 105]
	// true true true
}

func ExampleKind() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	for _, src := range []string{"1", "'s'", "({})", "Symbol()", "() => 1"} {
		v, _ := rt.Eval(context.Background(), src)
		fmt.Print(v.Kind(), " ")
	}
	fmt.Println()
	// Output: number string json symbol function
}
