package v8runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func newRuntime(t testing.TB, opts ...Option) *Runtime {
	t.Helper()
	rt, err := NewRuntime(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func mustEval(t testing.TB, rt *Runtime, src string) Value {
	t.Helper()
	v, err := rt.Eval(context.Background(), src)
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v
}

func TestRuntimeStatePersists(t *testing.T) {
	rt := newRuntime(t, WithName("state"))
	mustEval(t, rt, "var n = 1; function inc() { return ++n }")
	mustEval(t, rt, "inc()")
	if v := mustEval(t, rt, "inc()"); v.Int() != 3 || v.Kind() != KindNumber {
		t.Fatalf("inc() = %v (%v)", v, v.Kind())
	}
}

func TestRuntimeErrors(t *testing.T) {
	rt := newRuntime(t, WithName("errs"))
	_, err := rt.EvalNamed(context.Background(), "let a = 1;\nnull.x", "script.js")
	var jsErr *JSError
	if !errors.As(err, &jsErr) {
		t.Fatalf("want *JSError, got %v", err)
	}
	if jsErr.Resource != "script.js" || jsErr.Line != 2 || jsErr.Column != 6 || !strings.Contains(jsErr.Message, "TypeError") {
		t.Errorf("unexpected %#v", jsErr)
	}
	if !strings.Contains(jsErr.Stack, "script.js:2:6") {
		t.Errorf("stack %q", jsErr.Stack)
	}
	_, err = rt.Eval(context.Background(), "}")
	if !errors.As(err, &jsErr) || !jsErr.Syntax || jsErr.Resource != "errs" {
		t.Errorf("want a syntax error in 'errs', got %#v", err)
	}
	if _, err := rt.Eval(context.Background(), "'\xff'"); !errors.Is(err, ErrBadInput) {
		t.Errorf("invalid UTF-8: want ErrBadInput, got %v", err)
	}
	// still usable
	if v := mustEval(t, rt, "6 * 7"); v.Int() != 42 {
		t.Errorf("got %v", v)
	}
}

func TestRuntimeDeadlineStopsLoopAndRuntimeLivesOn(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var spins = 0")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := rt.Eval(ctx, "while (true) { spins++ }")
	if !errors.Is(err, ErrTerminated) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want ErrTerminated and DeadlineExceeded, got %v", err)
	}
	if v := mustEval(t, rt, "spins > 0"); !v.Bool() {
		t.Errorf("spins = %v", v)
	}
	// an already-cancelled context never starts the script
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := rt.Eval(ctx, "spins = -1"); !errors.Is(err, context.Canceled) {
		t.Errorf("want Canceled, got %v", err)
	}
	if v := mustEval(t, rt, "spins > 0"); !v.Bool() {
		t.Errorf("cancelled script ran: spins = %v", v)
	}
}

func TestRuntimeHeapLimit(t *testing.T) {
	rt := newRuntime(t, WithHeapLimit(16<<20))
	_, err := rt.Eval(context.Background(), "let a = []; while (true) a.push({i: a.length})")
	if !errors.Is(err, ErrHeapLimit) {
		t.Fatalf("want ErrHeapLimit, got %v", err)
	}
	if _, err := rt.Eval(context.Background(), "1"); !errors.Is(err, ErrClosed) {
		t.Errorf("after heap limit: want ErrClosed, got %v", err)
	}
	if got, err := RunV8("'alive'"); got != "alive" {
		t.Errorf("process state: %q %v", got, err)
	}
}

func TestRuntimeCloseIdempotent(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Eval(context.Background(), "1"); !errors.Is(err, ErrClosed) {
		t.Errorf("want ErrClosed, got %v", err)
	}
}

// Close while another goroutine runs a script: that call ends with
// ErrClosed, nothing crashes.
func TestRuntimeCloseWhileRunning(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := rt.Eval(context.Background(), "while (true) {}")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	rt.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("want ErrClosed, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("running call not stopped by Close")
	}
}

// 64 goroutines share one runtime; each call sees a consistent state.
func TestRuntimeManyGoroutines(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var total = 0")
	const goroutines, calls = 64, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				v, err := rt.Eval(context.Background(), fmt.Sprintf("total += 1; %d", g))
				if err != nil || v.Int() != int64(g) {
					t.Errorf("goroutine %d: %v %v", g, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v := mustEval(t, rt, "total"); v.Int() != goroutines*calls {
		t.Errorf("total = %v, want %d", v, goroutines*calls)
	}
}

// 64 runtimes used at once, each from its own goroutine.
func TestManyRuntimesAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt, err := NewRuntime()
			if err != nil {
				t.Error(err)
				return
			}
			defer rt.Close()
			for j := range 20 {
				v, err := rt.Eval(context.Background(), fmt.Sprintf("globalThis.x = (globalThis.x || 0) + %d; x", i))
				if err != nil || v.Int() != int64(i*(j+1)) {
					t.Errorf("runtime %d: %v %v", i, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func rssKiB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}

// Runtimes created and closed in a loop leave memory flat.
func TestRuntimeCreateFreeRSSFlat(t *testing.T) {
	const warm, n = 50, 500
	var base int
	for i := range n {
		if i == warm {
			base = rssKiB(t)
		}
		rt, err := NewRuntime()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Eval(context.Background(), "new Array(10000).fill('x').length"); err != nil {
			t.Fatal(err)
		}
		rt.Close()
	}
	grown := rssKiB(t) - base
	t.Logf("RSS grew %d KiB over %d runtimes", grown, n-warm)
	if grown > 64*1024 {
		t.Errorf("RSS grew %d KiB over %d runtimes: leak", grown, n-warm)
	}
}
