package v8runner

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runtime.Goexit in a Func (as t.Fatal does) ends the goroutine running the
// script, as Go requires; the runtime it was inside is closed instead of
// wedged: other calls return ErrClosed at once, Close returns, and new
// runtimes work.
func TestGoexitInFuncClosesTheRuntime(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Func("leave", func(args ...Value) (any, error) {
		runtime.Goexit()
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		rt.Eval(context.Background(), "leave()")
		t.Error("Eval returned after runtime.Goexit")
	}()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the goroutine that called runtime.Goexit did not end")
	}
	queued := make(chan error, 1)
	go func() {
		_, err := rt.Eval(context.Background(), "1")
		queued <- err
	}()
	select {
	case err := <-queued:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Eval after Goexit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Eval after Goexit blocked")
	}
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	other := newRuntime(t)
	if v := mustEval(t, other, "6 * 7"); v.Int() != 42 {
		t.Errorf("a new runtime: %v", v)
	}
}

// runtime.Goexit in an AsyncFunc rejects its promise: Run does not wait
// for it forever.
func TestGoexitInAsyncFuncRejects(t *testing.T) {
	rt := newRuntime(t)
	if err := rt.AsyncFunc("leave", func(ctx context.Context, args ...Value) (any, error) {
		runtime.Goexit()
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "var why; leave().catch(e => { why = e.message })")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rt.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustEval(t, rt, "why").String(); got != "Go function exited (runtime.Goexit) without returning" {
		t.Errorf("rejection: %q", got)
	}
}

// Every context deadline stops its own call, also while the call waits
// for its turn behind others (64 goroutines on one runtime, endless
// scripts): none is lost.
func TestDeadlinesOfQueuedCalls(t *testing.T) {
	rt := newRuntime(t)
	var wg sync.WaitGroup
	var stopped, other atomic.Int32
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(5+i%20)*time.Millisecond)
			defer cancel()
			_, err := rt.Eval(ctx, "for (;;) {}")
			if errors.Is(err, ErrTerminated) && errors.Is(err, context.DeadlineExceeded) {
				stopped.Add(1)
			} else {
				other.Add(1)
				t.Errorf("Eval: %v", err)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Errorf("calls still running after 30 s: %d stopped; a deadline was lost", stopped.Load())
		rt.Close() // releases the rest, so the test can end
		<-finished
	}
	if stopped.Load() != 64 {
		t.Errorf("stopped %d of 64", stopped.Load())
	}
	if v := mustEval(t, rt, "1 + 1"); v.Int() != 2 {
		t.Errorf("after: %v", v)
	}
}

// Once Close returns no call starts: every call begun after that fails
// with ErrClosed, including those that were waiting for their turn.
func TestNoCallAfterClose(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	var closed atomic.Bool
	var late atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				before := closed.Load()
				_, err := rt.Eval(context.Background(), "var x = 0; for (let i = 0; i < 1e4; i++) x += i; x")
				if err == nil && before {
					late.Add(1)
				}
				if errors.Is(err, ErrClosed) {
					return
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	rt.Close()
	closed.Store(true)
	wg.Wait()
	if n := late.Load(); n > 0 {
		t.Errorf("%d calls succeeded after Close returned", n)
	}
}

// Bytes past 2 GiB arrive whole (cgo's GoBytes takes a C int length).
func TestBytesOver2GiB(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("moves 6 GiB: run by the plain go test")
	}
	rt := newRuntime(t)
	v := mustEval(t, rt, "var b = new Uint8Array(2 ** 31 + 16); b[2 ** 31 + 15] = 9; b")
	if got := len(v.Bytes()); got != 1<<31+16 {
		t.Fatalf("length %d", got)
	}
	if v.Bytes()[1<<31+15] != 9 {
		t.Error("last byte lost")
	}
}
