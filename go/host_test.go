package v8runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestFuncCallsGo(t *testing.T) {
	rt := newRuntime(t)
	if err := rt.Func("add", func(args ...Value) (any, error) {
		return args[0].Float() + args[1].Float(), nil
	}); err != nil {
		t.Fatal(err)
	}
	rt.Func("fail", func(args ...Value) (any, error) { return nil, errors.New("no " + args[0].String()) })
	rt.Func("explode", func(args ...Value) (any, error) { panic("kaboom") })
	rt.Func("user", func(args ...Value) (any, error) {
		return struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}{"ada", []string{"x"}}, nil
	})
	if v := mustEval(t, rt, "add(40, 2)"); v.Int() != 42 {
		t.Errorf("add = %v", v)
	}
	if v := mustEval(t, rt, "try { fail('way') } catch (e) { e instanceof Error && e.message }"); v.String() != "no way" {
		t.Errorf("error: %v", v)
	}
	if v := mustEval(t, rt, "try { explode() } catch (e) { e.message }"); !strings.Contains(v.String(), "kaboom") {
		t.Errorf("panic: %v", v)
	}
	if v := mustEval(t, rt, "user().name + user().tags.length"); v.String() != "ada1" {
		t.Errorf("struct result: %v", v)
	}
	// still healthy after the panic
	if v := mustEval(t, rt, "add(1, 1)"); v.Int() != 2 {
		t.Errorf("after panic: %v", v)
	}
}

func TestFuncManyCallsAndReentry(t *testing.T) {
	rt := newRuntime(t)
	calls := 0
	rt.Func("inc", func(args ...Value) (any, error) {
		calls++
		return args[0].Int() + 1, nil
	})
	v := mustEval(t, rt, "let n = 0; for (let i = 0; i < 100000; i++) n = inc(n); n")
	if v.Int() != 100000 || calls != 100000 {
		t.Fatalf("n = %v, calls = %d", v, calls)
	}
	// a Go callback that calls back into the same runtime
	rt.Func("nested", func(args ...Value) (any, error) {
		inner, err := rt.Eval(context.Background(), "globalThis.depth = (globalThis.depth || 0) + 1; depth")
		if err != nil {
			return nil, err
		}
		return inner.Int() * 10, nil
	})
	if v := mustEval(t, rt, "nested() + nested()"); v.Int() != 30 {
		t.Errorf("nested = %v", v)
	}
}

func TestCallConvertsArguments(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, `function describe(...a) { return a.map(x =>
		x instanceof Uint8Array ? 'bytes:' + x.join('.') :
		typeof x === 'bigint' ? 'big:' + x :
		x === null ? 'null' : typeof x + ':' + JSON.stringify(x)).join(' ') }`)
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	type inner struct {
		A int `json:"a"`
	}
	when := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	v, err := rt.Call(context.Background(), "describe",
		nil, true, 7, uint8(8), 1.5, "s", []byte{1, 2}, huge, map[string]int{"k": 1}, []any{1, "x"}, inner{A: 3}, when)
	if err != nil {
		t.Fatal(err)
	}
	want := `null boolean:true number:7 number:8 number:1.5 string:"s" bytes:1.2 big:123456789012345678901234567890 ` +
		`object:{"k":1} object:[1,"x"] object:{"a":3} object:"2026-11-24T08:30:00.000Z"`
	if v.String() != want {
		t.Errorf("got  %s\nwant %s", v, want)
	}
	// Dates both ways
	mustEval(t, rt, "function id(x) { return x }")
	back, err := rt.Call(context.Background(), "id", when)
	if err != nil || back.Kind() != KindDate || !back.Time().Equal(when) || back.Export().(time.Time) != when {
		t.Errorf("date round trip: %v %v %v", back.Kind(), back, err)
	}
	var decoded time.Time
	if err := back.Unmarshal(&decoded); err != nil || !decoded.Equal(when) {
		t.Errorf("Unmarshal date: %v %v", decoded, err)
	}
	if v := mustEval(t, rt, "new Date('nope')"); v.Kind() != KindDate || v.String() != "Invalid Date" || !v.Time().IsZero() {
		t.Errorf("invalid date: %v", v)
	}
	if _, err := rt.Call(context.Background(), "describe", "\xff"); !errors.Is(err, ErrBadInput) {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if _, err := rt.Call(context.Background(), "describe", func() {}); !errors.Is(err, ErrBadInput) {
		t.Errorf("func argument: %v", err)
	}
	if _, err := rt.Call(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), "not a function") {
		t.Errorf("missing function: %v", err)
	}
}

// Call caches C copies of a bounded number of names and reuses pooled
// frames: many distinct names, repeated names, failed conversions after
// converted arguments, and nested calls must all still give right answers.
func TestCallNamesAndFrames(t *testing.T) {
	rt := newRuntime(t)
	mustEval(t, rt, "for (let i = 0; i < 600; i++) globalThis['f' + i] = (a, b) => i + a.length + b")
	for round := range 2 {
		for i := 0; i < 600; i += 7 {
			v, err := rt.Call(context.Background(), fmt.Sprintf("f%d", i), "abc", round)
			if err != nil || v.Int() != int64(i+3+round) {
				t.Fatalf("f%d: %v %v", i, v, err)
			}
		}
	}
	if _, err := rt.Call(context.Background(), "f1", "ok", "\xff"); !errors.Is(err, ErrBadInput) {
		t.Errorf("bad second argument: %v", err)
	}
	rt.Func("nested", func(args ...Value) (any, error) {
		return rt.Call(context.Background(), "f2", "xy", args[0].Int())
	})
	mustEval(t, rt, "function outer(n) { return nested(n) * 10 }")
	if v, err := rt.Call(context.Background(), "outer", 5); err != nil || v.Int() != 90 {
		t.Errorf("nested call: %v %v", v, err)
	}
}

func TestAsyncFuncAndRun(t *testing.T) {
	var out bytes.Buffer
	rt := newRuntime(t, WithConsole(&out))
	rt.AsyncFunc("slowDouble", func(ctx context.Context, args ...Value) (any, error) {
		time.Sleep(10 * time.Millisecond)
		if args[0].Int() < 0 {
			return nil, fmt.Errorf("negative: %d", args[0].Int())
		}
		return args[0].Int() * 2, nil
	})
	mustEval(t, rt, `(async () => {
		console.log('doubled', await slowDouble(21));
		try { await slowDouble(-1) } catch (e) { console.log('rejected:', e.message) }
		setTimeout(() => console.log('timer'), 5);
	})()`)
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "doubled 42\nrejected: negative: -1\ntimer\n" {
		t.Errorf("console: %q", got)
	}
}

func TestRunReportsErrorsAndStopsOnContext(t *testing.T) {
	var reported []error
	rt := newRuntime(t, WithErrorHandler(func(err error) { reported = append(reported, err) }))
	mustEval(t, rt, "setTimeout(function tick() { throw new Error('late') }, 1); setTimeout(() => Promise.reject(new Error('unhandled')), 2)")
	err := rt.Run(context.Background())
	var jsErr *JSError
	if !errors.As(err, &jsErr) || !strings.Contains(jsErr.Message, "late") || !strings.Contains(jsErr.Stack, "at Timeout.tick") /* this: the Timeout, as in Node */ {
		t.Errorf("Run: %#v", err)
	}
	if len(reported) != 2 || !strings.Contains(reported[1].Error(), "Uncaught (in promise) Error: unhandled") {
		t.Errorf("reported: %v", reported)
	}
	mustEval(t, rt, "var ticks = 0; setInterval(() => ticks++, 5)")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	if err := rt.Run(ctx); !errors.Is(err, ErrTerminated) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run with deadline: %v", err)
	}
	if v := mustEval(t, rt, "ticks"); v.Int() < 3 {
		t.Errorf("ticks = %v", v)
	}
}
