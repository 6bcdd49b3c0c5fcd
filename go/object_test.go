package v8runner

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestObjectProperties(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	o, err := rt.EvalObject(ctx, "var cfg = {name: 'svc', port: 80, tags: ['a']}; cfg")
	if err != nil {
		t.Fatal(err)
	}
	if o.Type() != TypeObject {
		t.Errorf("type %v", o.Type())
	}
	if v, err := o.Get("port"); err != nil || v.Int() != 80 {
		t.Errorf("Get port: %v %v", v, err)
	}
	tags, err := o.GetObject("tags")
	if err != nil || tags.Type() != TypeArray {
		t.Fatalf("GetObject tags: %v %v", tags, err)
	}
	if _, err := tags.Call(ctx, "push", "b"); err != nil {
		t.Fatal(err)
	}
	if err := o.Set("port", 8080); err != nil {
		t.Fatal(err)
	}
	if err := o.Set("self", o); err != nil { // the very object
		t.Fatal(err)
	}
	if v := mustEval(t, rt, "cfg.port === 8080 && cfg.tags.join() === 'a,b' && cfg.self === cfg"); !v.Bool() {
		t.Error("writes not seen by JS")
	}
	if has, _ := o.Has("name"); !has {
		t.Error("Has name")
	}
	if gone, err := o.Delete("self"); err != nil || !gone {
		t.Errorf("Delete: %v %v", gone, err)
	}
	if keys, err := o.Keys(); err != nil || !reflect.DeepEqual(keys, []string{"name", "port", "tags"}) {
		t.Errorf("Keys: %v %v", keys, err)
	}
	if s, err := o.JSON(); err != nil || s != `{"name":"svc","port":8080,"tags":["a","b"]}` {
		t.Errorf("JSON: %s %v", s, err)
	}
	mustEval(t, rt, "Object.defineProperty(cfg, 'bad', {get() { throw new TypeError('no getter') }})")
	var jsErr *JSError
	if _, err := o.Get("bad"); !errors.As(err, &jsErr) || !strings.Contains(jsErr.Message, "no getter") {
		t.Errorf("throwing getter: %v", err)
	}
	if _, err := rt.EvalObject(ctx, "42"); !errors.Is(err, ErrBadInput) {
		t.Errorf("EvalObject of a number: %v", err)
	}
	o.Release()
	o.Release()
	if _, err := o.Get("port"); !errors.Is(err, ErrClosed) {
		t.Errorf("after Release: %v", err)
	}
}

func TestObjectMethodsAndFunctions(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	counter, err := rt.EvalObject(ctx, "({n: 0, add(k) { this.n += k; return this.n }})")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if v, err := counter.Call(ctx, "add", 2); err != nil || v.Int() != int64(2*i) {
			t.Fatalf("add: %v %v", v, err)
		}
	}
	m, err := rt.EvalObject(ctx, "new Map([['a', 1]])")
	if err != nil || m.Type() != TypeMap {
		t.Fatalf("Map: %v %v", m, err)
	}
	if _, err := m.Call(ctx, "set", "b", 2); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("size"); v.Int() != 2 {
		t.Errorf("size %v", v)
	}
	f, err := rt.EvalObject(ctx, "(function (a, b) { 'use strict'; return typeof this + ':' + a * b })")
	if err != nil || f.Type() != TypeFunction {
		t.Fatalf("function: %v %v", f, err)
	}
	if v, err := f.Invoke(ctx, 6, 7); err != nil || v.String() != "undefined:42" {
		t.Errorf("Invoke: %v %v", v, err)
	}
	g, err := rt.Global()
	if err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "function makeUser(name) { return {name, greet() { return 'hi ' + this.name }} }")
	u, err := g.CallObject(ctx, "makeUser", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := u.Call(ctx, "greet"); err != nil || v.String() != "hi ann" {
		t.Errorf("greet: %v %v", v, err)
	}
	// A runaway method is stopped by its context.
	loop, _ := rt.EvalObject(ctx, "({spin() { for (;;) {} }})")
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := loop.Call(tctx, "spin"); !errors.Is(err, ErrTerminated) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("spin: %v", err)
	}
	if v := mustEval(t, rt, "1 + 1"); v.Int() != 2 {
		t.Error("runtime unusable after a stopped method")
	}
}

func TestObjectsOfOtherAndClosedRuntimes(t *testing.T) {
	a, b := newRuntime(t), newRuntime(t)
	ctx := context.Background()
	o, err := a.EvalObject(ctx, "({x: 1})")
	if err != nil {
		t.Fatal(err)
	}
	mustEval(t, b, "function id(x) { return x }")
	if _, err := b.Call(ctx, "id", o); !errors.Is(err, ErrBadInput) {
		t.Errorf("object of another runtime: %v", err)
	}
	a.Close()
	if _, err := o.Get("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	o.Release()
}

func TestAwaitPromises(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	if err := rt.AsyncFunc("fetchUser", func(ctx context.Context, args ...Value) (any, error) {
		time.Sleep(10 * time.Millisecond)
		return map[string]any{"id": args[0].Int(), "name": "ann"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "async function profile(id) { const u = await fetchUser(id); return u.name + '#' + u.id }")
	p, err := rt.Call(ctx, "profile", 7)
	if err != nil || !p.IsPromise() || p.Object().Type() != TypePromise {
		t.Fatalf("profile: %v %v", p.Kind(), err)
	}
	if v, err := p.Await(ctx); err != nil || v.String() != "ann#7" {
		t.Errorf("Await: %v %v", v, err)
	}
	// A rejection is the error, with the JS error's message and stack.
	mustEval(t, rt, "async function fail() { await null; throw new RangeError('too far') }")
	p, _ = rt.Call(ctx, "fail")
	var jsErr *JSError
	if _, err := p.Await(ctx); !errors.As(err, &jsErr) || !strings.Contains(jsErr.Message, "RangeError: too far") ||
		!strings.Contains(jsErr.Stack, "fail") {
		t.Errorf("rejection: %v", err)
	}
	// A deadline stops the wait; a promise nothing can settle is ErrPending.
	p, _ = rt.Eval(ctx, "var slow; new Promise(r => slow = setTimeout(r, 10000))")
	tctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := p.Await(tctx); !errors.Is(err, ErrTerminated) || time.Since(start) > 2*time.Second {
		t.Errorf("deadline: %v after %v", err, time.Since(start))
	}
	mustEval(t, rt, "clearTimeout(slow)")
	p, _ = rt.Eval(ctx, "new Promise(() => {})")
	if _, err := p.Await(ctx); !errors.Is(err, ErrPending) {
		t.Errorf("never settles: %v", err)
	}
	// Awaiting a copy is the copy.
	if v, err := mustEval(t, rt, "5").Await(ctx); err != nil || v.Int() != 5 {
		t.Errorf("plain await: %v %v", v, err)
	}
}

func TestPromisesInCallbacks(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	var kept Value
	rt.Func("keep", func(args ...Value) (any, error) {
		kept = args[0]
		// Inside the callback a pending promise cannot be awaited.
		if _, err := kept.Await(ctx); !errors.Is(err, ErrWrongThread) {
			return nil, fmt.Errorf("await in callback: %v", err)
		}
		return args[0], nil // handed back: the same promise
	})
	if v := mustEval(t, rt, "const p = new Promise(r => setTimeout(() => r('later'), 5)); keep(p) === p"); !v.Bool() {
		t.Fatal("promise did not round-trip")
	}
	if v, err := kept.Await(ctx); err != nil || v.String() != "later" {
		t.Errorf("kept promise: %v %v", v, err)
	}
}

// rssMiB is the process' resident set in MiB.
func rssMiB(t *testing.T) int { return rssKiB(t) / 1024 }

func TestObjectHandlesDoNotAccumulate(t *testing.T) {
	n := 2_000_000
	if testing.Short() || raceEnabled {
		n = 200_000
	}
	rt := newRuntime(t)
	ctx := context.Background()
	mustEval(t, rt, "function make(i) { return {i, pad: 'x'.repeat(64)} }")
	g, err := rt.Global()
	if err != nil {
		t.Fatal(err)
	}
	baseObjects := liveObjects()
	run := func(keepNone bool) int {
		var start int
		for i := range n {
			if keepNone {
				if _, err := rt.Call(ctx, "make", i); err != nil {
					t.Fatal(err)
				}
			} else if _, err := g.CallObject(ctx, "make", i); err != nil {
				t.Fatal(err)
			}
			if i == n/10 {
				runtime.GC()
				start = rssMiB(t)
			}
		}
		runtime.GC()
		return rssMiB(t) - start
	}
	handles := run(false)
	copies := run(true)
	t.Logf("RSS over %d calls: %+d MiB returning dropped handles, %+d MiB returning copies", n-n/10, handles, copies)
	if handles > 100 || copies > 100 {
		t.Errorf("RSS grew: handles %+d MiB, copies %+d MiB", handles, copies)
	}
	deadline := time.Now().Add(10 * time.Second)
	for liveObjects() > baseObjects+100 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if live := liveObjects() - baseObjects; live > 100 {
		t.Errorf("%d dropped object handles still held", live)
	}
}

func TestObjectsAcrossGoroutines(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	o, err := rt.EvalObject(ctx, "({n: 0, inc() { return ++this.n }})")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := o.Call(ctx, "inc"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v, _ := o.Get("n"); v.Int() != 800 {
		t.Errorf("n = %v", v)
	}
}
