package v8runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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

func ExampleRunV8Context() {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := v8runner.RunV8Context(ctx, "for (;;) {}")
	fmt.Println(errors.Is(err, v8runner.ErrTerminated), errors.Is(err, context.DeadlineExceeded))
	// Output: true true
}

func ExampleSetRunV8Timeout() {
	v8runner.SetRunV8Timeout(50 * time.Millisecond)
	defer v8runner.SetRunV8Timeout(0)
	_, err := v8runner.RunV8("while (true) {}")
	fmt.Println(errors.Is(err, v8runner.ErrTimeout))
	// Output: true
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

func ExampleWithArrayBufferLimit() {
	rt, _ := v8runner.NewRuntime(v8runner.WithArrayBufferLimit(1 << 20))
	defer rt.Close()
	v, _ := rt.Eval(context.Background(), "try { new ArrayBuffer(2 << 20) } catch (e) { e.name }")
	fmt.Println(v)
	// Output: RangeError
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

func ExampleValue_Time() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function nextDay(d) { return new Date(d.getTime() + 86400000) }")
	v, _ := rt.Call(context.Background(), "nextDay", time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC))
	fmt.Println(v.Kind(), v.Time().Format(time.DateOnly))
	// Output: date 2026-03-01
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

func ExampleRuntime_Func() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Func("greet", func(args ...v8runner.Value) (any, error) {
		if len(args) == 0 {
			return nil, errors.New("greet: who?")
		}
		return "hello, " + args[0].String(), nil
	})
	v, _ := rt.Eval(context.Background(), "greet('gopher')")
	fmt.Println(v)
	v, _ = rt.Eval(context.Background(), "try { greet() } catch (e) { e.message }")
	fmt.Println(v)
	// Output:
	// hello, gopher
	// greet: who?
}

func ExampleRuntime_AsyncFunc() {
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	defer rt.Close()
	rt.AsyncFunc("fetchPrice", func(ctx context.Context, args ...v8runner.Value) (any, error) {
		time.Sleep(time.Millisecond) // stands for I/O on its own goroutine
		return map[string]any{"item": args[0].String(), "cents": 250}, nil
	})
	rt.Eval(context.Background(), "fetchPrice('tea').then(p => console.log(p.item, p.cents))")
	rt.Run(context.Background())
	// Output: tea 250
}

func ExampleRuntime_Call() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function total(items, rate) { return items.reduce((s, i) => s + i.price, 0) * rate }")
	type item struct {
		Price float64 `json:"price"`
	}
	v, _ := rt.Call(context.Background(), "total", []item{{2}, {3}}, 1.5)
	fmt.Println(v.Float())
	// Output: 7.5
}

func ExampleRuntime_Run() {
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	defer rt.Close()
	rt.Eval(context.Background(), `
		setTimeout(() => console.log('second'), 20);
		setTimeout(() => console.log('first'), 10);
		Promise.resolve().then(() => console.log('microtask'));`)
	if err := rt.Run(context.Background()); err != nil {
		panic(err)
	}
	// Output:
	// microtask
	// first
	// second
}

func ExampleWithConsole() {
	var buf strings.Builder
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(&buf))
	defer rt.Close()
	rt.Eval(context.Background(), "console.log('a', 1, {b: 2}); console.error('oops')")
	fmt.Print(buf.String())
	// Output:
	// a 1 {"b":2}
	// oops
}

func ExampleWithErrorHandler() {
	rt, _ := v8runner.NewRuntime(v8runner.WithErrorHandler(func(err error) { fmt.Println("caught:", err) }))
	defer rt.Close()
	rt.Eval(context.Background(), "setTimeout(() => { throw new Error('in a timer') }, 1)")
	err := rt.Run(context.Background())
	fmt.Println("run:", err != nil)
	// Output:
	// caught: v8runner:1:20: Uncaught Error: in a timer
	// run: true
}

func ExampleRuntime_NewNotifier() {
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	defer rt.Close()
	rt.Eval(context.Background(), "callback = i => console.log('Bang: ' + i)")
	n, _ := rt.NewNotifier("callback")
	go func() {
		for i := range 3 {
			n.Send(i) // from any goroutine
		}
		n.Close() // the loop ends once the queue is drained
	}()
	rt.Run(context.Background())
	// Output:
	// Bang: 0
	// Bang: 1
	// Bang: 2
}

func ExampleNotifier_Send() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	n, _ := rt.NewNotifier("onEvent", v8runner.WithCapacity(1))
	defer n.Close()
	fmt.Println(n.Send("first"))
	fmt.Println(errors.Is(n.Send("second"), v8runner.ErrQueueFull))
	// Output:
	// <nil>
	// true
}

func ExampleNotifier_SendWait() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	n, _ := rt.NewNotifier("onEvent", v8runner.WithCapacity(1))
	defer n.Close()
	n.Send(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	fmt.Println(n.SendWait(ctx, 2)) // nobody runs the loop: no room
	// Output: context deadline exceeded
}

func ExampleNotifier_Close() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	n, _ := rt.NewNotifier("onEvent")
	n.Close()
	fmt.Println(errors.Is(n.Send(1), v8runner.ErrClosed))
	// Output: true
}

func ExampleWithCapacity() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	n, _ := rt.NewNotifier("onEvent", v8runner.WithCapacity(2))
	defer n.Close()
	fmt.Println(n.Send(1), n.Send(2), n.Send(3))
	// Output: <nil> <nil> v8runner: queue full
}

func ExampleUnref() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	n, _ := rt.NewNotifier("onEvent", v8runner.Unref())
	defer n.Close()
	fmt.Println(rt.Run(context.Background())) // returns at once: nothing keeps it alive
	// Output: <nil>
}

func ExampleRuntime_QueueWork() {
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	defer rt.Close()
	rt.QueueWork(func() (any, error) {
		sum := 0 // on the thread pool: no JS here
		for i := 1; i <= 100; i++ {
			sum += i
		}
		return sum, nil
	}, func(result any, err error) {
		// on the runtime's thread: JS is fine here
		rt.Call(context.Background(), "show", result)
	})
	rt.Eval(context.Background(), "function show(x) { console.log('sum', x) }")
	rt.Run(context.Background())
	// Output: sum 5050
}

func ExampleWork_Cancel() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	w, _ := rt.QueueWork(func() (any, error) { return nil, nil }, func(_ any, err error) {})
	rt.Run(context.Background())
	fmt.Println(errors.Is(w.Cancel(), v8runner.ErrClosed)) // finished: nothing to cancel
	// Output: true
}

func ExampleRuntime_Pin() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function add(a, b) { return a + b }")
	sum := int64(0)
	rt.Pin(func() error { // many small calls: hold the runtime once
		for i := range 100 {
			v, err := rt.Call(context.Background(), "add", i, 1)
			if err != nil {
				return err
			}
			sum += v.Int()
		}
		return nil
	})
	fmt.Println(sum)
	// Output: 5050
}

func ExampleRuntime_Function() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function area(w, h) { return w * h }")
	area, _ := rt.Function("area") // looked up once
	defer area.Release()
	for _, side := range []int{2, 3} {
		v, _ := area.Call(context.Background(), side, side)
		fmt.Println(v)
	}
	// Output:
	// 4
	// 9
}

func ExampleRuntime_SetAsyncHooks() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.SetAsyncHooks(v8runner.AsyncHooks{
		Init:   func(id uint64, typ string, trigger uint64) { fmt.Printf("init %s %d (from %d)\n", typ, id, trigger) },
		Before: func(id uint64) { fmt.Println("before", id) },
		After:  func(id uint64) { fmt.Println("after", id) },
		Types:  []string{"Timeout"},
	})
	rt.Eval(context.Background(), "setTimeout(() => setTimeout(() => {}, 1), 1)")
	rt.Run(context.Background())
	// Output:
	// init Timeout 2 (from 1)
	// before 2
	// init Timeout 3 (from 2)
	// after 2
	// before 3
	// after 3
}

func ExampleAsyncHookSet() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	set, _ := rt.SetAsyncHooks(v8runner.AsyncHooks{
		Init: func(id uint64, typ string, trigger uint64) { fmt.Println("init", typ, id) },
	})
	rt.Eval(context.Background(), "setTimeout(() => {}, 1)")
	set.Disable() // timers from now on are not reported
	rt.Eval(context.Background(), "setTimeout(() => {}, 1)")
	set.Enable()
	rt.Eval(context.Background(), "setImmediate(() => {})")
	rt.Run(context.Background())
	// Output:
	// init Timeout 2
	// init Immediate 4
}

func ExampleRuntime_AsyncIDs() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.SetAsyncHooks(v8runner.AsyncHooks{}) // track trigger ids
	rt.Func("where", func(args ...v8runner.Value) (any, error) {
		id, trigger := rt.AsyncIDs()
		fmt.Printf("in resource %d, created by %d\n", id, trigger)
		return nil, nil
	})
	rt.Eval(context.Background(), "where(); setTimeout(where, 1)")
	rt.Run(context.Background())
	// Output:
	// in resource 1, created by 0
	// in resource 2, created by 1
}
