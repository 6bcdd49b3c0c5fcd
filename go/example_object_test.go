package v8runner_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	v8runner "github.com/v8runner/v8runner/go"
)

var ctx = context.Background()

// Awaiting an async JS function from Go.
func ExampleValue_Await() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Eval(ctx, "async function total(xs) { await null; return xs.reduce((a, b) => a + b, 0) }")
	p, _ := rt.Call(ctx, "total", []int{1, 2, 3})
	v, err := p.Await(ctx)
	fmt.Println(p.IsPromise(), v, err)
	// Output: true 6 <nil>
}

func ExampleValue_IsPromise() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, _ := rt.Eval(ctx, "Promise.resolve(1)")
	w, _ := rt.Eval(ctx, "1")
	fmt.Println(v.IsPromise(), w.IsPromise())
	// Output: true false
}

func ExampleValue_Object() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, _ := rt.Eval(ctx, "new Promise(r => setTimeout(() => r('late'), 1))")
	o := v.Object() // the live promise
	fmt.Println(o.Type())
	got, _ := o.Await(ctx)
	fmt.Println(got)
	// Output:
	// promise
	// late
}

func ExampleRuntime_EvalObject() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	counter, _ := rt.EvalObject(ctx, "({n: 0, inc() { return ++this.n }})")
	defer counter.Release()
	counter.Call(ctx, "inc")
	v, _ := counter.Call(ctx, "inc")
	fmt.Println(v)
	// Output: 2
}

func ExampleRuntime_Global() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	g, _ := rt.Global()
	defer g.Release()
	g.Set("answer", 42)
	v, _ := rt.Eval(ctx, "answer + 1")
	fmt.Println(v)
	// Output: 43
}

func ExampleObject_Get() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({name: 'tea', tags: ['green']})")
	defer o.Release()
	name, _ := o.Get("name")
	tags, _ := o.Get("tags") // plain data comes back copied
	fmt.Println(name, tags)
	// Output: tea ["green"]
}

func ExampleObject_GetObject() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({inner: {n: 1}})")
	defer o.Release()
	inner, _ := o.GetObject("inner") // live: writes are seen by JS
	defer inner.Release()
	inner.Set("n", 2)
	v, _ := o.JSON()
	fmt.Println(v)
	// Output: {"inner":{"n":2}}
}

func ExampleObject_Set() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "globalThis.cfg = {}")
	defer o.Release()
	o.Set("port", 8080)
	v, _ := rt.Eval(ctx, "cfg.port")
	fmt.Println(v)
	// Output: 8080
}

func ExampleObject_Has() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({a: 1})")
	defer o.Release()
	a, _ := o.Has("a")
	b, _ := o.Has("b")
	fmt.Println(a, b)
	// Output: true false
}

func ExampleObject_Delete() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({a: 1, b: 2})")
	defer o.Release()
	o.Delete("a")
	keys, _ := o.Keys()
	fmt.Println(keys)
	// Output: [b]
}

func ExampleObject_Keys() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({z: 1, a: 2})")
	defer o.Release()
	keys, _ := o.Keys() // in JS order
	fmt.Println(keys)
	// Output: [z a]
}

func ExampleObject_Value() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({a: [1, 2]})")
	defer o.Release()
	v, _ := o.Value()
	fmt.Println(v.Kind(), v)
	// Output: json {"a":[1,2]}
}

func ExampleObject_JSON() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({ok: true})")
	defer o.Release()
	s, _ := o.JSON()
	fmt.Println(s)
	// Output: {"ok":true}
}

func ExampleObject_Call() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	greeter, _ := rt.EvalObject(ctx, "({greeting: 'hi', greet(name) { return this.greeting + ' ' + name }})")
	defer greeter.Release()
	v, _ := greeter.Call(ctx, "greet", "gopher") // this is greeter
	fmt.Println(v)
	// Output: hi gopher
}

func ExampleObject_CallObject() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	factory, _ := rt.EvalObject(ctx, "({make(n) { return new Map([['n', n]]) }})")
	defer factory.Release()
	m, _ := factory.CallObject(ctx, "make", 7)
	defer m.Release()
	got, _ := m.Export()
	fmt.Println(m.Type(), got)
	// Output: map map[n:7]
}

func ExampleObject_Invoke() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	double, _ := rt.EvalObject(ctx, "(x) => x * 2")
	defer double.Release()
	v, _ := double.Invoke(ctx, 21)
	fmt.Println(v)
	// Output: 42
}

func ExampleObject_Await() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	p, _ := rt.EvalObject(ctx, "Promise.reject(new RangeError('too far'))")
	defer p.Release()
	_, err := p.Await(ctx)
	var jsErr *v8runner.JSError
	fmt.Println(errors.As(err, &jsErr), jsErr.Name)
	// Output: true RangeError
}

func ExampleObject_Release() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({})")
	o.Release() // the JS value may be collected now
	_, err := o.Get("x")
	fmt.Println(errors.Is(err, v8runner.ErrClosed))
	// Output: true
}

func ExampleObject_Export() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "({m: new Map([['a', 1]]), s: new Set([1, 2]), f: new Float64Array([0.5]), u: undefined})")
	defer o.Release()
	v, _ := o.Export()
	m := v.(map[string]any)
	_, kept := m["u"]
	fmt.Println(m["m"], m["s"], m["f"], kept)
	// Output: map[a:1] [1 2] [0.5] true
}

func ExampleObject_Type() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	for _, src := range []string{"[]", "new Map()", "new Error('x')", "() => 1"} {
		o, _ := rt.EvalObject(ctx, src)
		fmt.Println(o.Type())
		o.Release()
	}
	// Output:
	// array
	// map
	// error
	// function
}

func ExampleObject_IsPromise() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "(async () => 1)()")
	defer o.Release()
	fmt.Println(o.IsPromise())
	// Output: true
}

func ExampleObjectType() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "new Set()")
	defer o.Release()
	fmt.Println(o.Type() == v8runner.TypeSet)
	// Output: true
}

type store struct{ items map[string]string }

func (s *store) Put(key, value string) { s.items[key] = value }
func (s *store) Get(key string) (string, error) {
	v, ok := s.items[key]
	if !ok {
		return "", fmt.Errorf("no %q", key)
	}
	return v, nil
}

// Binding a Go object: its exported methods become JS methods.
func ExampleRuntime_Bind() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Bind("store", &store{items: map[string]string{}})
	v, _ := rt.Eval(ctx, "store.put('tea', 'green'); store.get('tea')")
	fmt.Println(v)
	_, err := rt.Eval(ctx, "store.get('coffee')")
	var jsErr *v8runner.JSError
	errors.As(err, &jsErr)
	fmt.Println(jsErr.Message)
	// Output:
	// green
	// Uncaught Error: no "coffee"
}

func ExampleRuntime_Wrap() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	type point struct{ X, Y int }
	p := &point{1, 2}
	o, _ := rt.Wrap(p) // fields are live accessors
	defer o.Release()
	fn, _ := rt.EvalObject(ctx, "(p) => { p.x = 10; return p.x + p.y }")
	defer fn.Release()
	v, _ := fn.Invoke(ctx, o)
	fmt.Println(v, p.X)
	// Output: 12 10
}

func ExampleRuntime_FuncWith() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	type requestID struct{}
	rt.FuncWith("describe", func(c *v8runner.CallInfo) (any, error) {
		name, _ := c.This.Object().Get("name")
		return fmt.Sprintf("%s, request %v", name, c.Context().Value(requestID{})), nil
	})
	reqCtx := context.WithValue(ctx, requestID{}, 7)
	v, _ := rt.Eval(reqCtx, "({name: 'svc', describe}).describe()")
	fmt.Println(v)
	// Output: svc, request 7
}

func ExampleCallInfo() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.FuncWith("count", func(c *v8runner.CallInfo) (any, error) { return len(c.Args), nil })
	v, _ := rt.Eval(ctx, "count(1, 2, 3)")
	fmt.Println(v)
	// Output: 3
}

func ExampleCallInfo_Context() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.FuncWith("hasDeadline", func(c *v8runner.CallInfo) (any, error) {
		_, ok := c.Context().Deadline()
		return ok, nil
	})
	dctx, cancel := context.WithTimeout(ctx, 10e9)
	defer cancel()
	v, _ := rt.Eval(dctx, "hasDeadline()")
	fmt.Println(v)
	// Output: true
}

func ExampleRuntime_NewFunction() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	upper, _ := rt.NewFunction("upper", func(c *v8runner.CallInfo) (any, error) {
		return strings.ToUpper(c.Args[0].String()), nil
	})
	defer upper.Release()
	apply, _ := rt.EvalObject(ctx, "(f, xs) => xs.map(x => f(x)).join(' ')")
	defer apply.Release()
	v, _ := apply.Invoke(ctx, upper, []string{"a", "b"})
	fmt.Println(v)
	// Output: A B
}

func ExampleReplace() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	err := rt.Func("setTimeout", func(args ...v8runner.Value) (any, error) { return "mine", nil })
	fmt.Println(errors.Is(err, v8runner.ErrExists))
	rt.Func("setTimeout", func(args ...v8runner.Value) (any, error) { return "mine", nil }, v8runner.Replace())
	v, _ := rt.Eval(ctx, "setTimeout()")
	fmt.Println(v)
	// Output:
	// true
	// mine
}

func ExampleFuncOption() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	var opts []v8runner.FuncOption
	opts = append(opts, v8runner.Replace())
	rt.Bind("console", &store{items: map[string]string{}}, opts...)
	v, _ := rt.Eval(ctx, "typeof console.put")
	fmt.Println(v)
	// Output: function
}

func ExampleRuntime_NewNotifierFunc() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	onEvent, _ := rt.EvalObject(ctx, "globalThis.seen = []; (e) => seen.push(e)")
	n, _ := rt.NewNotifierFunc(onEvent)
	onEvent.Release() // the notifier keeps it
	n.Send("a")
	n.Send("b")
	n.Close()
	rt.Run(ctx)
	v, _ := rt.Eval(ctx, "seen.join()")
	fmt.Println(v)
	// Output: a,b
}

func ExampleJSError_Exception() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	_, err := rt.Eval(ctx, "const e = new Error('boom'); e.code = 'E42'; throw e")
	var jsErr *v8runner.JSError
	errors.As(err, &jsErr)
	code, _ := jsErr.Exception().Get("code")
	fmt.Println(jsErr.Name, code)
	// Output: Error E42
}

var errNoRow = errors.New("no row")

func ExampleJSError_Unwrap() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	rt.Func("find", func(args ...v8runner.Value) (any, error) { return nil, fmt.Errorf("find: %w", errNoRow) })
	_, err := rt.Eval(ctx, "try { find() } catch (e) { throw new Error('lookup failed', {cause: e}) }")
	fmt.Println(errors.Is(err, errNoRow))
	// Output: true
}

func ExampleErrExists() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	err := rt.Bind("Math", &store{})
	fmt.Println(errors.Is(err, v8runner.ErrExists))
	// Output: true
}

func ExampleErrPending() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	p, _ := rt.Eval(ctx, "new Promise(() => {})") // nothing can settle it
	_, err := p.Await(ctx)
	fmt.Println(errors.Is(err, v8runner.ErrPending))
	// Output: true
}

func ExampleErrWrongThread() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	var inner error
	rt.Func("nested", func(args ...v8runner.Value) (any, error) {
		inner = rt.Run(ctx) // the loop cannot run inside its own callback
		return nil, nil
	})
	rt.Eval(ctx, "nested()")
	fmt.Println(errors.Is(inner, v8runner.ErrWrongThread))
	// Output: true
}

// Keys of an exported Map with non-string keys.
func ExampleObject_Export_mapKeys() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	o, _ := rt.EvalObject(ctx, "new Map([[1, 'one'], [2, 'two']])")
	defer o.Release()
	v, _ := o.Export()
	m := v.(map[any]any)
	keys := make([]float64, 0, len(m))
	for k := range m {
		keys = append(keys, k.(float64))
	}
	sort.Float64s(keys)
	fmt.Println(keys, m[1.0])
	// Output: [1 2] one
}
