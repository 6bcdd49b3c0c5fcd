package v8runner_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	v8runner "github.com/v8runner/v8runner/go"
)

func ExampleVersion() {
	// The library's own version, "major.minor.patch": log it at start-up.
	parts := strings.Split(v8runner.Version(), ".")
	fmt.Println(len(parts))
	// Output: 3
}

func ExampleV8Version() {
	// The V8 inside, e.g. "15.2.124.1-rusty": gate a feature on its major.
	major, err := strconv.Atoi(strings.Split(v8runner.V8Version(), ".")[0])
	fmt.Println(err == nil && major >= 15)
	// Output: true
}

func ExampleRuntime() {
	rt, err := v8runner.NewRuntime()
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	rt.Eval(context.Background(), "let hits = 0; function hit() { return ++hits }")
	var wg sync.WaitGroup
	for range 4 { // safe from many goroutines: calls are serialised
		wg.Add(1)
		go func() { defer wg.Done(); rt.Call(context.Background(), "hit") }()
	}
	wg.Wait()
	v, _ := rt.Eval(context.Background(), "hits") // globals persist
	fmt.Println(v)
	// Output: 4
}

func ExampleOption() {
	cfg := struct {
		Name    string
		HeapMiB uint64
		Quiet   bool
	}{"tenant-42", 32, true}
	opts := []v8runner.Option{v8runner.WithName(cfg.Name), v8runner.WithHeapLimit(cfg.HeapMiB << 20)}
	if cfg.Quiet {
		opts = append(opts, v8runner.WithConsole(io.Discard))
	}
	rt, _ := v8runner.NewRuntime(opts...)
	defer rt.Close()
	_, err := rt.Eval(context.Background(), "console.log('not shown'); nope()")
	fmt.Println(err)
	// Output: tenant-42:1:27: Uncaught ReferenceError: nope is not defined
}

func ExampleConsoleLevel() {
	// WithConsoleFunc gets each line with the level of the console method
	// that printed it (the C library's v8r_console_level numbers).
	names := map[v8runner.ConsoleLevel]string{v8runner.LevelLog: "log", v8runner.LevelDebug: "debug",
		v8runner.LevelInfo: "info", v8runner.LevelWarn: "warn", v8runner.LevelError: "error"}
	rt, _ := v8runner.NewRuntime(v8runner.WithConsoleFunc(func(level v8runner.ConsoleLevel, line string) {
		fmt.Printf("%s(%d): %s\n", names[level], level, line)
	}))
	defer rt.Close()
	rt.Eval(context.Background(), "console.log('l'); console.debug('d'); console.info('i'); console.warn('w'); console.error('e')")
	// Output:
	// log(0): l
	// debug(1): d
	// info(2): i
	// warn(3): w
	// error(4): e
}

// Route warnings and errors apart from the rest, say to a logger.
func ExampleWithConsoleFunc() {
	var problems []string
	rt, _ := v8runner.NewRuntime(v8runner.WithConsoleFunc(func(level v8runner.ConsoleLevel, line string) {
		if level >= v8runner.LevelWarn {
			problems = append(problems, line)
		}
	}))
	defer rt.Close()
	rt.Eval(context.Background(), "console.log('fine'); console.warn('disk %d%% full', 91); console.assert(1 > 2, 'math')")
	fmt.Println(strings.Join(problems, " | "))
	// Output: disk 91% full | Assertion failed: math
}

func ExampleKind_String() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, _ := rt.Eval(context.Background(), "10n ** 20n")
	fmt.Println(v.Kind().String(), v8runner.KindBytes, v8runner.Kind(99))
	// Output: bigint bytes Kind(99)
}

func ExampleValue_Kind() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	for _, src := range []string{"42", "'42'", "[4, 2]", "null"} {
		v, _ := rt.Eval(context.Background(), src)
		switch v.Kind() {
		case v8runner.KindNumber:
			fmt.Println("number:", v.Float())
		case v8runner.KindString:
			fmt.Println("string:", v.String())
		case v8runner.KindJSON:
			fmt.Println("json:", v.String())
		default:
			fmt.Println("other:", v.Kind())
		}
	}
	// Output:
	// number: 42
	// string: 42
	// json: [4,2]
	// other: null
}

func ExampleValue_Bool() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	yes, _ := rt.Eval(context.Background(), "'go'.startsWith('g')")
	one, _ := rt.Eval(context.Background(), "1") // truthy in JS, but not a boolean
	fmt.Println(yes.Bool(), one.Bool())
	// Output: true false
}

func ExampleValue_Bytes() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, err := rt.Eval(context.Background(), "const buf = new ArrayBuffer(4); new DataView(buf).setUint32(0, 0xcafebabe); buf")
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Kind(), v.Bytes())
	fmt.Printf("%x\n", v.Bytes())
	// Output:
	// bytes [202 254 186 190]
	// cafebabe
}

func ExampleValue_Export() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	for _, src := range []string{"true", "1.5", "2n ** 64n", "'s'", "[1, 'a']", "undefined"} {
		v, _ := rt.Eval(context.Background(), src)
		x := v.Export()
		fmt.Printf("%T %v\n", x, x)
	}
	// Output:
	// bool true
	// float64 1.5
	// *big.Int 18446744073709551616
	// string s
	// []interface {} [1 a]
	// <nil> <nil>
}

func ExampleValue_Float() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	sum, _ := rt.Eval(context.Background(), "0.1 + 0.2")
	text, _ := rt.Eval(context.Background(), "'3'") // not a number: NaN
	fmt.Println(sum.Float(), math.IsNaN(text.Float()))
	// Output: 0.30000000000000004 true
}

func ExampleValue_Int() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	for _, src := range []string{"7.9", "-7.9", "2n ** 62n", "1e30", "NaN"} {
		v, _ := rt.Eval(context.Background(), src)
		fmt.Print(v.Int(), " ")
	}
	fmt.Println()
	// Output: 7 -7 4611686018427387904 9223372036854775807 0
}

func ExampleValue_IsNull() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "const settings = {proxy: null}")
	v, _ := rt.Eval(context.Background(), "settings.proxy")
	fmt.Println(v.IsNull(), v.IsUndefined()) // set, to "no proxy"
	// Output: true false
}

func ExampleValue_IsUndefined() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "const settings = {proxy: null}")
	v, _ := rt.Eval(context.Background(), "settings.timeout")
	fmt.Println(v.IsUndefined(), v.IsNull()) // not set at all
	// Output: true false
}

func ExampleValue_String() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	for _, src := range []string{"1e21", "1/3", "[1, {a: 2}]", "new Date(0)", "Uint8Array.of(1, 2)", "Symbol('id')"} {
		v, _ := rt.Eval(context.Background(), src)
		fmt.Println(v.String())
	}
	// Output:
	// 1e+21
	// 0.3333333333333333
	// [1,{"a":2}]
	// 1970-01-01T00:00:00.000Z
	// 1,2
	// Symbol(id)
}

func ExampleJSError_Error() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	_, err := rt.EvalNamed(context.Background(), "const cfg = null;\ncfg.port", "config.js")
	var jsErr *v8runner.JSError
	if errors.As(err, &jsErr) {
		fmt.Println(jsErr.Error()) // resource:line:column: message
	}
	// Output: config.js:2:5: Uncaught TypeError: Cannot read properties of null (reading 'port')
}

func ExampleJSError_Format() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.EvalNamed(context.Background(), "function check(n) {\n  if (n < 0) throw new RangeError('negative')\n}", "check.js")
	_, err := rt.Call(context.Background(), "check", -1)
	fmt.Printf("%v\n", err)  // one line
	fmt.Printf("%+v\n", err) // with the JS stack
	// Output:
	// check.js:2:14: Uncaught RangeError: negative
	// check.js:2:14: Uncaught RangeError: negative
	// RangeError: negative
	//     at check (check.js:2:20)
}

func ExampleFunction() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function greet(name) { return 'hi ' + name }")
	greet, _ := rt.Function("greet") // looked up once, called many times
	defer greet.Release()
	rt.Eval(context.Background(), "greet = null") // the Function keeps the original
	v, _ := greet.Call(context.Background(), "ann")
	fmt.Println(v)
	// Output: hi ann
}

func ExampleFunction_Call() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function div(a, b) { if (b === 0) throw new RangeError('division by zero'); return a / b }")
	div, _ := rt.Function("div")
	defer div.Release()
	v, _ := div.Call(context.Background(), 7, 2)
	fmt.Println(v)
	_, err := div.Call(context.Background(), 1, 0)
	var jsErr *v8runner.JSError
	fmt.Println(errors.As(err, &jsErr), jsErr.Name)
	// Output:
	// 3.5
	// true RangeError
}

func ExampleFunction_Release() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "function now() { return 1 }")
	now, _ := rt.Function("now")
	now.Release()
	now.Release() // idempotent
	_, err := now.Call(context.Background())
	fmt.Println(errors.Is(err, v8runner.ErrClosed))
	// Output: true
}

func ExampleObject() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	counter, _ := rt.EvalObject(context.Background(), "({n: 0, inc() { return ++this.n }})")
	defer counter.Release()
	counter.Call(context.Background(), "inc") // the same live object each time
	v, _ := counter.Call(context.Background(), "inc")
	n, _ := counter.Get("n")
	fmt.Println(counter.Type(), v, n)
	// Output: object 2 2
}

func ExampleObjectType_String() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(context.Background(), "/v8/g")
	defer o.Release()
	fmt.Println(o.Type().String(), v8runner.TypeMap, v8runner.ObjectType(99))
	// Output: regexp map ObjectType(99)
}

func ExampleNotifier() {
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	defer rt.Close()
	rt.Eval(context.Background(), "let total = 0; function onOrder(o) { total += o.qty; console.log(o.item, total) }")
	n, _ := rt.NewNotifier("onOrder")
	go func() { // a producer elsewhere in the program
		defer n.Close() // then Run returns, once the queue is drained
		n.Send(map[string]any{"item": "tea", "qty": 2})
		n.Send(map[string]any{"item": "cake", "qty": 1})
	}()
	rt.Run(context.Background())
	// Output:
	// tea 2
	// cake 3
}

func ExampleNotifierOption() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	background := true
	opts := []v8runner.NotifierOption{v8runner.WithCapacity(1)}
	if background {
		opts = append(opts, v8runner.Unref()) // does not keep Run going
	}
	n, _ := rt.NewNotifier("onTick", opts...)
	defer n.Close()
	fmt.Println(n.Send(1), n.Send(2))
	// Output: <nil> v8runner: queue full
}

func ExampleWork() {
	rt, _ := v8runner.NewRuntime(v8runner.WithConsole(os.Stdout))
	defer rt.Close()
	rt.Eval(context.Background(), "function report(part, sum) { console.log('part', part, 'sum', sum) }")
	var step func(part int) (*v8runner.Work, error)
	step = func(part int) (*v8runner.Work, error) { // the chunked pattern
		return rt.QueueWork(func() (any, error) {
			sum := 0 // on the pool: no JS here
			for i := part*10 + 1; i <= part*10+10; i++ {
				sum += i
			}
			return sum, nil
		}, func(sum any, err error) { // on the loop: JS, and the next chunk
			rt.Call(context.Background(), "report", part, sum)
			if part < 2 {
				step(part + 1)
			}
		})
	}
	step(0)
	rt.Run(context.Background())
	// Output:
	// part 0 sum 55
	// part 1 sum 155
	// part 2 sum 255
}

func ExampleAsyncHooks() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	live := map[uint64]string{} // resources not yet destroyed: a leak check
	rt.SetAsyncHooks(v8runner.AsyncHooks{
		Init:    func(id uint64, typ string, trigger uint64) { live[id] = typ },
		Destroy: func(id uint64) { delete(live, id) },
		Types:   []string{"Timeout", "Immediate"},
	})
	rt.Eval(context.Background(), "setTimeout(() => {}, 1); setImmediate(() => {})")
	fmt.Println(len(live))
	rt.Run(context.Background())
	fmt.Println(len(live))
	// Output:
	// 2
	// 0
}

func ExampleAsyncHookSet_Disable() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	timers := 0
	set, _ := rt.SetAsyncHooks(v8runner.AsyncHooks{
		Init:  func(id uint64, typ string, trigger uint64) { timers++ },
		Types: []string{"Timeout"},
	})
	rt.Eval(context.Background(), "setTimeout(() => {}, 1); setTimeout(() => {}, 1)")
	set.Disable() // stop counting
	rt.Eval(context.Background(), "setTimeout(() => {}, 1)")
	rt.Run(context.Background())
	fmt.Println("timers seen:", timers)
	// Output: timers seen: 2
}

func ExampleAsyncHookSet_Enable() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	set, _ := rt.SetAsyncHooks(v8runner.AsyncHooks{
		Init:   func(id uint64, typ string, trigger uint64) { fmt.Println("init", typ, id) },
		Before: func(id uint64) { fmt.Println("before", id) },
		Types:  []string{"Timeout"},
	})
	set.Disable()
	rt.Eval(context.Background(), "setTimeout(() => {}, 1)") // unseen
	set.Enable()                                             // but its callback is heard
	rt.Run(context.Background())
	// Output: before 2
}

func ExampleErrTerminated() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel) // e.g. the client went away
	_, err := rt.Eval(ctx, "while (true) {}")
	fmt.Println(errors.Is(err, v8runner.ErrTerminated), errors.Is(err, context.Canceled))
	// Output: true true
}

func ExampleErrClosed() {
	rt, _ := v8runner.NewRuntime()
	rt.Eval(context.Background(), "function ping() { return 'pong' }")
	ping, _ := rt.Function("ping")
	rt.Close() // frees everything of the runtime, ping included
	_, err := ping.Call(context.Background())
	fmt.Println(errors.Is(err, v8runner.ErrClosed))
	// Output: true
}

func ExampleErrHeapLimit() {
	rt, _ := v8runner.NewRuntime(v8runner.WithHeapLimit(16 << 20))
	defer rt.Close()
	_, err := rt.Eval(context.Background(), "const all = []; for (;;) all.push({n: all.length})")
	fmt.Println(errors.Is(err, v8runner.ErrHeapLimit))
	_, err = rt.Eval(context.Background(), "1") // the runtime closed itself
	fmt.Println(errors.Is(err, v8runner.ErrClosed))
	// Output:
	// true
	// true
}

func ExampleErrBadInput() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	_, err := rt.Call(context.Background(), "parse\x00Int", "42") // a NUL byte in the name
	fmt.Println(errors.Is(err, v8runner.ErrBadInput))
	fmt.Println(err)
	// Output:
	// true
	// v8runner: bad input: "parse\x00Int" holds a NUL byte
}

func ExampleErrTimeout() {
	v8runner.SetRunV8Timeout(20 * time.Millisecond) // the process-wide limit
	defer v8runner.SetRunV8Timeout(0)
	_, err := v8runner.RunV8("for (;;) {}")
	fmt.Println(errors.Is(err, v8runner.ErrTimeout))
	// Output: true
}

func ExampleErrQueueFull() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	n, _ := rt.NewNotifier("onMetric", v8runner.WithCapacity(2))
	defer n.Close()
	dropped := 0
	for i := range 5 { // nothing runs the loop yet: the queue fills up
		if err := n.Send(i); errors.Is(err, v8runner.ErrQueueFull) {
			dropped++ // shed load rather than block the producer
		}
	}
	fmt.Println("dropped", dropped)
	// Output: dropped 3
}

func ExampleErrBusy() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	started, release := make(chan struct{}), make(chan struct{})
	w, _ := rt.QueueWork(func() (any, error) { close(started); <-release; return nil, nil },
		func(any, error) {})
	<-started
	fmt.Println(errors.Is(w.Cancel(), v8runner.ErrBusy)) // too late: it runs
	close(release)
	rt.Run(context.Background())
	// Output: true
}

func ExampleErrCanceled() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	threads := runtime.NumCPU() // the pool: a thread per core, or what the env says
	if n, err := strconv.Atoi(os.Getenv("V8RUNNER_THREADPOOL_SIZE")); err == nil {
		threads = max(threads, n)
	}
	release := make(chan struct{})
	for range threads { // keep every pool thread busy
		rt.QueueWork(func() (any, error) { <-release; return nil, nil }, func(any, error) {})
	}
	w, _ := rt.QueueWork(func() (any, error) { return "done", nil }, func(result any, err error) {
		fmt.Println(result, errors.Is(err, v8runner.ErrCanceled))
	})
	fmt.Println(w.Cancel()) // still queued: canceled
	close(release)
	rt.Run(context.Background())
	// Output:
	// <nil>
	// <nil> true
}

func ExampleErrOutOfMemory() {
	// NewRuntime fails with ErrOutOfMemory only when the process cannot
	// reserve the address space V8 needs (e.g. under ulimit -v), which an
	// example cannot arrange safely; this is how a caller tells it apart.
	rt, err := v8runner.NewRuntime()
	switch {
	case errors.Is(err, v8runner.ErrOutOfMemory):
		fmt.Println("no memory for another runtime; try again later")
	case err != nil:
		panic(err)
	default:
		defer rt.Close()
		fmt.Println("runtime created")
	}
	fmt.Println(v8runner.ErrOutOfMemory)
	// Output:
	// runtime created
	// v8runner: out of memory
}

func ExampleErrInternal() {
	// ErrInternal is a bug in v8runner reported instead of a crash: no
	// script produces it on purpose. Tell it apart from a script's errors:
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	_, err := rt.Eval(context.Background(), "throw new Error('bad order')")
	var jsErr *v8runner.JSError
	switch {
	case errors.Is(err, v8runner.ErrInternal):
		fmt.Println("please report:", err)
	case errors.As(err, &jsErr):
		fmt.Println("script error:", jsErr.Message)
	}
	fmt.Println(v8runner.ErrInternal)
	// Output:
	// script error: Uncaught Error: bad order
	// v8runner: internal error
}

// A bare runtime has ECMAScript, timers and console but none of the web
// platform's globals, which every other runtime has.
func ExampleWithoutWebAPIs() {
	ctx := context.Background()
	full, _ := v8runner.NewRuntime()
	defer full.Close()
	bare, _ := v8runner.NewRuntime(v8runner.WithoutWebAPIs())
	defer bare.Close()
	probe := "[typeof TextEncoder, typeof structuredClone, typeof setTimeout].join()"
	a, _ := full.Eval(ctx, probe)
	b, _ := bare.Eval(ctx, probe)
	fmt.Println(a.String())
	fmt.Println(b.String())
	// Output:
	// function,function,function
	// undefined,undefined,function
}

func ExampleNewSnapshot() {
	ctx := context.Background()
	// Evaluate a library once, then start every runtime from the result.
	snap, err := v8runner.NewSnapshot(func(rt *v8runner.Runtime) error {
		_, err := rt.Eval(ctx, `globalThis.slugify = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-')`)
		return err
	})
	if err != nil {
		panic(err)
	}
	defer snap.Close()
	rt, _ := v8runner.NewRuntime(v8runner.WithSnapshot(snap))
	defer rt.Close()
	v, _ := rt.Eval(ctx, "slugify('Hello, World')")
	fmt.Println(v)
	// Output: hello-world
}

func ExampleWithSnapshot() {
	ctx := context.Background()
	double := func(args ...v8runner.Value) (any, error) { return 2 * args[0].Float(), nil }
	snap, _ := v8runner.NewSnapshot(func(rt *v8runner.Runtime) error {
		rt.Func("double", double)
		_, err := rt.Eval(ctx, "globalThis.quad = (x) => double(double(x))")
		return err
	})
	defer snap.Close()
	rt, _ := v8runner.NewRuntime(v8runner.WithSnapshot(snap))
	defer rt.Close()
	// Host functions are kept by name: register them again to bind them.
	_, err := rt.Eval(ctx, "quad(1)")
	fmt.Println(err != nil)
	rt.Func("double", double)
	v, _ := rt.Eval(ctx, "quad(1.5)")
	fmt.Println(v)
	// Output:
	// true
	// 6
}

func ExampleLoadSnapshot() {
	snap, _ := v8runner.NewSnapshot(func(rt *v8runner.Runtime) error {
		_, err := rt.Eval(context.Background(), "var answer = 42")
		return err
	})
	data, _ := snap.Bytes() // store these, e.g. in a file
	snap.Close()
	loaded, err := v8runner.LoadSnapshot(data)
	fmt.Println(err)
	defer loaded.Close()
	_, err = v8runner.LoadSnapshot(data[:len(data)-1])
	fmt.Println(errors.Is(err, v8runner.ErrBadInput))
	// Output:
	// <nil>
	// true
}

func ExampleSnapshot() {
	snap, _ := v8runner.NewSnapshot(nil) // the built-in environment only
	defer snap.Close()
	rt, _ := v8runner.NewRuntime(v8runner.WithSnapshot(snap))
	defer rt.Close()
	v, _ := rt.Eval(context.Background(), "typeof setTimeout")
	fmt.Println(v)
	// Output: function
}

func ExampleSnapshot_Bytes() {
	snap, _ := v8runner.NewSnapshot(nil)
	defer snap.Close()
	data, _ := snap.Bytes()
	fmt.Println(string(data[:7]))
	// Output: V8RSNAP
}

func ExampleSnapshot_Close() {
	snap, _ := v8runner.NewSnapshot(nil)
	snap.Close()
	_, err := v8runner.NewRuntime(v8runner.WithSnapshot(snap))
	fmt.Println(errors.Is(err, v8runner.ErrClosed))
	// Output: true
}

func ExampleHeapStats() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "globalThis.buf = new ArrayBuffer(1 << 20)")
	s, _ := rt.HeapStats()
	fmt.Println(s.Used > 0, s.Used <= s.Total, s.ArrayBuffers >= 1<<20, s.NativeContexts)
	// Output: true true true 1
}

func ExampleRuntime_HeapStats() {
	rt, _ := v8runner.NewRuntime(v8runner.WithHeapLimit(64 << 20))
	defer rt.Close()
	s, _ := rt.HeapStats()
	// Poll it to shed load before a runtime reaches its limit.
	fmt.Println(s.Limit >= 64<<20, float64(s.Used)/float64(s.Limit) < 0.5)
	// Output: true true
}

func ExamplePoolHeapStats() {
	v8runner.RunV8("1 + 1")
	s, isolates := v8runner.PoolHeapStats()
	fmt.Println(isolates > 0, s.Used > 0)
	// Output: true true
}

func ExampleRuntime_WriteHeapSnapshot() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(context.Background(), "globalThis.cache = new Map([['k', 'v']])")
	// Write it to a file and load it in Chrome DevTools' Memory panel.
	var out strings.Builder
	err := rt.WriteHeapSnapshot(&out)
	fmt.Println(err, strings.HasPrefix(out.String(), `{"snapshot":`))
	// Output: <nil> true
}

func ExampleRuntime_Inspect() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	// Open chrome://inspect (or devtools://devtools/bundled/js_app.html?ws=...).
	ws, err := rt.Inspect("127.0.0.1:0")
	fmt.Println(err, strings.HasPrefix(ws, "ws://127.0.0.1:"))
	_, err = rt.Inspect("0.0.0.0:9229") // reachable from other machines: refused
	fmt.Println(errors.Is(err, v8runner.ErrBadInput))
	// Output:
	// <nil> true
	// true
}

func ExampleRuntime_WaitForDebugger() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	// After Inspect, WaitForDebugger blocks until DevTools says "run"
	// (its breakpoints are set); without an inspector it is an error.
	err := rt.WaitForDebugger()
	fmt.Println(errors.Is(err, v8runner.ErrBadInput))
	// Output: true
}

func ExampleRuntime_StartCPUProfile() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.StartCPUProfile(500 * time.Microsecond)
	rt.Eval(context.Background(), "function work() { let s = 0; for (let i = 0; i < 1e6; i++) s += i; return s } work()")
	var profile strings.Builder // e.g. an os.File named x.cpuprofile
	err := rt.StopCPUProfile(&profile)
	fmt.Println(err, strings.Contains(profile.String(), `"functionName":"work"`))
	// Output: <nil> true
}

func ExampleRuntime_StopCPUProfile() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	err := rt.StopCPUProfile(io.Discard) // none running
	fmt.Println(errors.Is(err, v8runner.ErrBadInput))
	// Output: true
}
