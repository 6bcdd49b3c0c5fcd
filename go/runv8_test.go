package v8runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunV8Values(t *testing.T) {
	cases := []struct{ src, want string }{
		{"1 + 1", "2"},
		{"'Hello ' + 'Go' + ' World'", "Hello Go World"},
		{"({a: 1})", "[object Object]"},
		{"[1, [2, 3]]", "1,2,3"},
		{"undefined", "undefined"},
		{"2n ** 64n", "18446744073709551616"},
		{"'snow ☃'", "snow ☃"},
		{"'a\\0b'", "a\x00b"},
	}
	for _, c := range cases {
		got, err := RunV8(c.src)
		if err != nil || got != c.want {
			t.Errorf("RunV8(%q) = %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}

func TestRunV8Errors(t *testing.T) {
	_, err := RunV8("function f() { throw new RangeError('deep') }\nf()")
	var jsErr *JSError
	if !errors.As(err, &jsErr) {
		t.Fatalf("want *JSError, got %T %v", err, err)
	}
	if jsErr.Message != "Uncaught RangeError: deep" || jsErr.Line != 1 || jsErr.Syntax {
		t.Errorf("unexpected error %+v", jsErr)
	}
	if !strings.Contains(fmt.Sprintf("%+v", err), "at f (runv8:1:22)") {
		t.Errorf("%%+v lacks the stack: %+v", err)
	}

	_, err = RunV8("let = ;")
	if !errors.As(err, &jsErr) || !jsErr.Syntax || !strings.Contains(jsErr.Message, "SyntaxError") {
		t.Errorf("want a syntax *JSError, got %v", err)
	}
	for _, bad := range []string{"", "1 +\x00 1", "'\xff'"} {
		if _, err := RunV8(bad); !errors.Is(err, ErrBadInput) {
			t.Errorf("RunV8(%q): want ErrBadInput, got %v", bad, err)
		}
	}
}

// 128 goroutines at once, each with its own script and answer; a global one
// call defines is never visible to another.
func TestRunV8Concurrent(t *testing.T) {
	const n = 128
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := fmt.Sprintf(`var leaked = Object.keys(globalThis).filter(k => k.startsWith('g_'));
				globalThis.g_%d = true;
				leaked.length ? 'leak ' + leaked : String(%d * 7)`, i, i)
			for range 3 {
				got, err := RunV8(src)
				if want := fmt.Sprint(i * 7); err != nil || got != want {
					errs <- fmt.Errorf("goroutine %d: got %q, %v; want %q", i, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// 1,000 goroutines (so hundreds of OS threads in cgo calls) never mean more
// live isolates than the pool's cap.
func TestRunV8IsolatesBounded(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := RunV8(fmt.Sprintf("%d + 1", i)); err != nil || got != fmt.Sprint(i+1) {
				t.Errorf("%d: %q %v", i, got, err)
			}
		}()
	}
	wg.Wait()
	live, capacity := oneshotPool()
	if live < 1 || live > capacity || capacity > runtime.NumCPU() {
		t.Errorf("live isolates %d, cap %d, cores %d", live, capacity, runtime.NumCPU())
	}
}

// A context stops RunV8 while the script runs and while it waits for a
// pooled isolate: runaway scripts on every isolate never block a caller
// that has a deadline, and each stops with its own context.
func TestRunV8ContextStopsRunawaysAndWaiters(t *testing.T) {
	_, capacity := oneshotPool()
	type result struct{ err error }
	cancels := make([]context.CancelFunc, capacity)
	results := make(chan result, capacity)
	for i := range capacity {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		go func() {
			_, err := RunV8Context(ctx, "for (;;) {}")
			results <- result{err}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := RunV8Context(ctx, "1"); !errors.Is(err, ErrTerminated) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller: %v", err)
	}
	for _, cancel := range cancels {
		cancel()
	}
	for range capacity {
		select {
		case r := <-results:
			if !errors.Is(r.err, ErrTerminated) || !errors.Is(r.err, context.Canceled) {
				t.Errorf("runaway: %v", r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a canceled runaway kept running")
		}
	}
	if out, err := RunV8("'free'"); err != nil || out != "free" {
		t.Errorf("after: %q %v", out, err)
	}
}
