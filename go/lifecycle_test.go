package v8runner

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// A Runtime with Go async hooks and with work still pending, dropped
// without Close, is collected and freed by its cleanup: nothing the
// library calls back (a hook target, a Work) keeps it alive.
func TestForgottenRuntimesAreCollected(t *testing.T) {
	n := 2000
	if raceEnabled {
		n = 300
	}
	before := liveRuntimes()
	forget := func() {
		rt, err := NewRuntime()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.SetAsyncHooks(AsyncHooks{Init: func(uint64, string, uint64) {}}); err != nil {
			t.Fatal(err)
		}
		// Finished on the pool, its after-callback never run (no Run).
		if _, err := rt.QueueWork(func() (any, error) { return nil, nil }, func(any, error) {}); err != nil {
			t.Fatal(err)
		}
	}
	var start int
	for i := range n {
		forget()
		if i%50 == 49 {
			runtime.GC()
		}
		if i == n/10 {
			start = rssKiB(t)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for liveRuntimes() > before+10 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	if live := liveRuntimes() - before; live > 10 {
		t.Errorf("%d of %d forgotten runtimes are still alive", live, n)
	}
	grown := (rssKiB(t) - start) / 1024
	t.Logf("RSS %+d MiB over %d runtimes", grown, n-n/10)
	if grown > 256 { // a leaked runtime costs over 1 MiB
		t.Errorf("RSS grew %d MiB", grown)
	}
}

// A panic in a Go async hook comes out of the call during which the hook
// ran, not out of some later Run.
func TestHookPanicSurfacesFromItsCall(t *testing.T) {
	rt := newRuntime(t)
	if _, err := rt.SetAsyncHooks(AsyncHooks{Init: func(id uint64, typ string, trigger uint64) {
		if typ == "Timeout" {
			panic("hook boom")
		}
	}}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if p := recover(); p != "hook boom" {
				t.Errorf("recovered %v, want the hook's panic", p)
			}
		}()
		rt.Eval(context.Background(), "setTimeout(() => {}, 1)")
		t.Error("Eval did not re-raise the hook's panic")
	}()
	// The runtime goes on.
	if v := mustEval(t, rt, "2 + 2"); v.Int() != 4 {
		t.Errorf("after: %v", v)
	}
}
