package v8runner

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestSnapshotRoundTripWithHostFunctionsBoundAgain(t *testing.T) {
	ctx := context.Background()
	greet := func(args ...Value) (any, error) { return "hello " + args[0].String(), nil }
	made, err := NewSnapshot(func(rt *Runtime) error {
		if err := rt.Func("greet", greet); err != nil {
			return err
		}
		_, err := rt.Eval(ctx, `
			var visits = 0;
			const rules = new Map([['vip', (n) => n * 2]]);
			globalThis.score = (kind, n) => (rules.get(kind) || ((x) => x))(n);
			const say = greet; // held elsewhere than the global: bound too
			globalThis.welcome = (who) => say(who) + '!';`)
		return err
	}, WithName("boot"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := made.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	made.Close()
	if _, err := made.Bytes(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Bytes after Close: %v", err)
	}
	s, err := LoadSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt, err := NewRuntime(WithSnapshot(s))
			if err != nil {
				t.Error(err)
				return
			}
			defer rt.Close()
			if v, err := rt.Eval(ctx, "++visits + score('vip', 20)"); err != nil || v.Int() != 41 {
				t.Errorf("restored state: %v %v", v, err)
			}
			_, err = rt.Eval(ctx, "welcome('you')")
			var jsErr *JSError
			if !errors.As(err, &jsErr) || !strings.Contains(err.Error(), `"greet" is not bound`) {
				t.Errorf("unbound host function: %v", err)
			}
			if err := rt.Func("greet", greet); err != nil {
				t.Error(err)
			}
			if v, err := rt.Eval(ctx, "welcome('you')"); err != nil || v.String() != "hello you!" {
				t.Errorf("bound again: %v %v", v, err)
			}
			if v, err := rt.Eval(ctx, "new Promise((r) => setTimeout(() => r(typeof structuredClone), 1))"); err != nil {
				t.Error(err)
			} else if got, err := v.Await(ctx); err != nil || got.String() != "function" {
				t.Errorf("loop and web APIs: %v %v", got, err)
			}
		}()
	}
	wg.Wait()
}

func TestSnapshotRefusesWhatItCannotKeep(t *testing.T) {
	ctx := context.Background()
	_, err := NewSnapshot(func(rt *Runtime) error {
		_, err := rt.Eval(ctx, "setInterval(() => {}, 1000)")
		return err
	})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "timers or immediates are pending") {
		t.Fatalf("pending timer: %v", err)
	}
	_, err = NewSnapshot(func(rt *Runtime) error {
		_, err := rt.NewNotifier("onMessage")
		return err
	})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "notifiers are open") {
		t.Fatalf("open notifier: %v", err)
	}
	setupErr := errors.New("setup failed")
	if _, err := NewSnapshot(func(*Runtime) error { return setupErr }); err != setupErr {
		t.Fatalf("setup error: %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("not a snapshot"), make([]byte, 100000)} {
		if _, err := LoadSnapshot(bad); !errors.Is(err, ErrBadInput) {
			t.Fatalf("LoadSnapshot(%d bytes): %v", len(bad), err)
		}
	}
	s, err := NewSnapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := s.Bytes()
	data[len(data)/2] ^= 1
	if _, err := LoadSnapshot(data); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("flipped bit: %v", err)
	}
	s.Close()
	if _, err := NewRuntime(WithSnapshot(s)); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed snapshot: %v", err)
	}
}
