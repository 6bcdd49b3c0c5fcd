package v8runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestPin(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var n = 0; function add(a, b) { return a + b }")
	err := rt.Pin(func() error {
		for i := range 1000 {
			v, err := rt.Call(context.Background(), "add", i, 1)
			if err != nil {
				return err
			}
			if v.Int() != int64(i+1) {
				return fmt.Errorf("add(%d, 1) = %v", i, v)
			}
		}
		// a deadline still stops one call, and the next one runs
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := rt.Eval(ctx, "for (;;) {}"); !errors.Is(err, ErrTerminated) {
			t.Errorf("pinned deadline: %v", err)
		}
		if err := rt.Run(context.Background()); err == nil {
			t.Error("Run inside Pin should be refused")
		}
		_, err := rt.Eval(context.Background(), "++n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := mustEval(t, rt, "n"); v.Int() != 1 {
		t.Errorf("n = %v", v)
	}
}

// Other goroutines wait while one pins, then proceed.
func TestPinBlocksOthersUntilDone(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "var log = []")
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-started
		if _, err := rt.Eval(context.Background(), "log.push('other')"); err != nil {
			t.Error(err)
		}
	}()
	rt.Pin(func() error {
		close(started)
		time.Sleep(30 * time.Millisecond)
		_, err := rt.Eval(context.Background(), "log.push('pinned')")
		return err
	})
	wg.Wait()
	if v := mustEval(t, rt, "log.join()"); v.String() != "pinned,other" {
		t.Errorf("order: %v", v)
	}
}

func TestPinThenClose(t *testing.T) {
	rt, _ := NewRuntime()
	err := rt.Pin(func() error {
		rt.Close() // from inside: later calls see ErrClosed, unpin still releases
		_, err := rt.Eval(context.Background(), "1")
		return err
	})
	if !errors.Is(err, ErrClosed) {
		t.Errorf("got %v", err)
	}
}
