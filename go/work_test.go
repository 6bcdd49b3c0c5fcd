package v8runner

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The chunked pattern: each step runs on the pool, its after-callback
// reports to JS and queues the next step, the last one settles a Promise.
func TestQueueWorkChunked(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var progress = []; function report(n) { progress.push(n) }")
	const steps = 100
	total := 0
	var step func()
	step = func() {
		_, err := rt.QueueWork(func() (any, error) { return total + 1, nil }, func(res any, err error) {
			if err != nil {
				t.Error(err)
				return
			}
			total = res.(int)
			if _, err := rt.Call(context.Background(), "report", total); err != nil {
				t.Error(err)
			}
			if total < steps {
				step()
			}
		})
		if err != nil {
			t.Error(err)
		}
	}
	step()
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if total != steps {
		t.Errorf("total = %d", total)
	}
	if v := mustEval(t, rt, "progress.length === 100 && progress[99]"); v.Int() != steps {
		t.Errorf("progress = %v", v)
	}
}

func TestQueueWorkCancelAndPanics(t *testing.T) {
	rt := newRuntime(t)
	release := make(chan struct{})
	started := make(chan struct{}, 16)
	var afters []error
	// Fill the pool with blockers so the last request stays queued.
	for range poolThreads() {
		rt.QueueWork(func() (any, error) { started <- struct{}{}; <-release; return nil, nil },
			func(_ any, err error) { afters = append(afters, err) })
	}
	for range poolThreads() {
		<-started
	}
	w, _ := rt.QueueWork(func() (any, error) { t.Error("canceled work ran"); return nil, nil },
		func(_ any, err error) { afters = append(afters, err) })
	if err := w.Cancel(); err != nil {
		t.Fatal(err)
	}
	close(release)
	rt.QueueWork(func() (any, error) { panic("in work") }, func(_ any, err error) { afters = append(afters, err) })
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	canceled, panicked := 0, 0
	for _, err := range afters {
		switch {
		case errors.Is(err, ErrCanceled):
			canceled++
		case err != nil && strings.Contains(err.Error(), "in work"):
			panicked++
		}
	}
	if canceled != 1 || panicked != 1 || len(afters) != poolThreads()+2 {
		t.Errorf("afters: %v", afters)
	}
	if err := w.Cancel(); !errors.Is(err, ErrClosed) {
		t.Errorf("cancel after completion: %v", err)
	}
	// A panic in an after-callback is re-raised by Run, in Go.
	rt.QueueWork(func() (any, error) { return nil, nil }, func(any, error) { panic("in after") })
	defer func() {
		if p := recover(); p != "in after" {
			t.Errorf("recovered %v", p)
		}
	}()
	rt.Run(context.Background())
	t.Error("Run did not re-raise the panic")
}
