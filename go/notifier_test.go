package v8runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestNotifierBang(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var bangs = []; callback = function (i) { bangs.push('Bang: ' + i) }")
	n, err := rt.NewNotifier("callback")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := range 5 {
			n.Send(i)
			time.Sleep(5 * time.Millisecond)
		}
		n.Close()
	}()
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := mustEval(t, rt, "bangs.join()"); v.String() != "Bang: 0,Bang: 1,Bang: 2,Bang: 3,Bang: 4" {
		t.Errorf("got %v", v)
	}
	if err := n.Send(5); !errors.Is(err, ErrClosed) {
		t.Errorf("send after close: %v", err)
	}
	n.Close() // idempotent
}

// 8 goroutines x 2,000 sends: every payload exactly once, in order per sender.
func TestNotifierManySenders(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var next = {}, bad = 0, total = 0; function got(p) { if ((next[p.s] || 0) !== p.i) bad++; next[p.s] = p.i + 1; total++ }")
	n, _ := rt.NewNotifier("got")
	const senders, each = 8, 2000
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := n.Send(map[string]int{"s": s, "i": i}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); n.Close() }()
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := mustEval(t, rt, "JSON.stringify([total, bad])"); v.String() != fmt.Sprintf("[%d,0]", senders*each) {
		t.Errorf("got %v", v)
	}
}

func TestNotifierBoundedAndUnref(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var seen = []; function sink(x) { seen.push(x) }")
	n, _ := rt.NewNotifier("sink", WithCapacity(2))
	if n.Send(1) != nil || n.Send(2) != nil {
		t.Fatal("sends into an empty queue failed")
	}
	if err := n.Send(3); !errors.Is(err, ErrQueueFull) {
		t.Errorf("full: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := n.SendWait(ctx, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SendWait: %v", err)
	}
	n.Close()
	rt.Run(context.Background())
	if v := mustEval(t, rt, "seen.join()"); v.String() != "1,2" {
		t.Errorf("seen %v", v)
	}
	quiet, _ := rt.NewNotifier("sink", Unref())
	defer quiet.Close()
	done := make(chan error)
	go func() { done <- rt.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an unref'd notifier kept Run going")
	}
}

func TestNotifierToFunctionValue(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	// A closure no global names: the notifier targets the value itself.
	fn, err := rt.EvalObject(ctx, "globalThis.got = []; (() => { let n = 0; return (p) => got.push(++n + ':' + p.item) })()")
	if err != nil {
		t.Fatal(err)
	}
	n, err := rt.NewNotifierFunc(fn)
	if err != nil {
		t.Fatal(err)
	}
	fn.Release() // the notifier keeps the function alive
	go func() {
		for i := 0; i < 3; i++ {
			n.Send(map[string]any{"item": i})
		}
		n.Close()
	}()
	if err := rt.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := rt.Eval(ctx, "got.join(',')"); v.String() != "1:0,2:1,3:2" {
		t.Errorf("deliveries: %v", v)
	}
	notFn, _ := rt.EvalObject(ctx, "({})")
	defer notFn.Release()
	if _, err := rt.NewNotifierFunc(notFn); !errors.Is(err, ErrBadInput) {
		t.Errorf("not a function: %v", err)
	}
	other := newRuntime(t)
	otherFn, _ := other.EvalObject(ctx, "() => {}")
	defer otherFn.Release()
	if _, err := rt.NewNotifierFunc(otherFn); !errors.Is(err, ErrBadInput) {
		t.Errorf("another runtime's function: %v", err)
	}
}
