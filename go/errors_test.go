package v8runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

var errNotFound = errors.New("not found")

func TestJSErrorNameAndException(t *testing.T) {
	rt := newRuntime(t)
	_, err := rt.Eval(context.Background(), "class QuotaError extends RangeError {}; throw new QuotaError('over')")
	var jsErr *JSError
	if !errors.As(err, &jsErr) || jsErr.Name != "QuotaError" || jsErr.Exception() == nil {
		t.Fatalf("error: %#v", err)
	}
	if v, err := jsErr.Exception().Get("message"); err != nil || v.String() != "over" {
		t.Errorf("exception's message: %v %v", v, err)
	}
	if _, err := rt.Eval(context.Background(), "throw 42"); !errors.As(err, &jsErr) || jsErr.Name != "" || jsErr.Exception() != nil {
		t.Errorf("primitive throw: %#v", err)
	}
}

func TestGoErrorsKeepTheirIdentity(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	rt.Func("lookup", func(args ...Value) (any, error) {
		return nil, fmt.Errorf("user %d: %w", args[0].Int(), errNotFound)
	})
	// Thrown through JS.
	_, err := rt.Eval(ctx, "lookup(7)")
	if !errors.Is(err, errNotFound) || !strings.Contains(err.Error(), "user 7: not found") {
		t.Errorf("through JS: %v", err)
	}
	// As the cause of a JS error.
	_, err = rt.Eval(ctx, "try { lookup(8) } catch (e) { throw new Error('profile failed', {cause: e}) }")
	var jsErr *JSError
	if !errors.Is(err, errNotFound) || !errors.As(err, &jsErr) || !strings.Contains(jsErr.Message, "profile failed") {
		t.Errorf("as a cause: %v", err)
	}
	// JS sees an ordinary Error it can catch.
	if v := mustEval(t, rt, "(() => { try { lookup(1) } catch (e) { return e instanceof Error && e.message } })()"); v.String() != "user 1: not found" {
		t.Errorf("in JS: %v", v)
	}
	// Rejected from an AsyncFunc and awaited from Go.
	rt.AsyncFunc("fetch", func(ctx context.Context, args ...Value) (any, error) { return nil, errNotFound })
	p, err := rt.Eval(ctx, "(async () => { await fetch() })()")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Await(ctx); !errors.Is(err, errNotFound) {
		t.Errorf("async: %v", err)
	}
}

func TestJSErrorsRethrownAsThemselves(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	mustEval(t, rt, "var original; function fail() { original = new RangeError('deep'); throw original }")
	rt.Func("relay", func(args ...Value) (any, error) {
		_, err := rt.Call(ctx, "fail")
		return nil, err // the *JSError as it is
	})
	v := mustEval(t, rt, "(() => { try { relay() } catch (e) { return e === original && e instanceof RangeError && /fail/.test(e.stack) } })()")
	if !v.Bool() {
		t.Error("relayed exception is not the original")
	}
}

// 199 levels of JS → Go → JS: the error that comes out is the innermost
// one, its message as long as at the bottom.
func TestErrorMessagesDoNotNest(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	mustEval(t, rt, "function down(n) { if (n === 0) throw new TypeError('bottom'); return goDown(n - 1) }")
	rt.Func("goDown", func(args ...Value) (any, error) {
		return rt.Call(ctx, "down", args[0].Int())
	})
	_, err := rt.Call(ctx, "down", 199)
	var jsErr *JSError
	if !errors.As(err, &jsErr) || jsErr.Name != "TypeError" {
		t.Fatalf("error: %v", err)
	}
	if n := len(jsErr.Message); n > 100 {
		t.Errorf("message grew to %d bytes: %.200s", n, jsErr.Message)
	}
	t.Logf("message after 199 levels (%d bytes): %s", len(jsErr.Message), jsErr.Message)
}

func TestUnhandledRejectionIsTheCallsError(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	_, err := rt.Eval(ctx, "Promise.reject(new TypeError('nobody caught me')); 1")
	var jsErr *JSError
	if !errors.As(err, &jsErr) || jsErr.Name != "TypeError" || !strings.Contains(jsErr.Message, "Uncaught (in promise) TypeError: nobody caught me") {
		t.Fatalf("unhandled rejection: %#v", err)
	}
	// Handled within the call's microtasks: no error.
	if v, err := rt.Eval(ctx, "const p = Promise.reject(new Error('x')); queueMicrotask(() => p.catch(() => {})); 2"); err != nil || v.Int() != 2 {
		t.Errorf("handled: %v %v", v, err)
	}
	// A rejected promise the call returns is the caller's to await.
	v, err := rt.Eval(ctx, "Promise.reject(new RangeError('mine'))")
	if err != nil || !v.IsPromise() {
		t.Fatalf("returned promise: %v %v", v, err)
	}
	if _, err := v.Await(ctx); !errors.As(err, &jsErr) || jsErr.Name != "RangeError" {
		t.Errorf("awaited: %v", err)
	}
	// A Go error rejected asynchronously and left unhandled keeps its identity.
	rt.AsyncFunc("lookupLater", func(context.Context, ...Value) (any, error) { return nil, errNotFound })
	v, err = rt.Eval(ctx, "lookupLater()")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Await(ctx); !errors.Is(err, errNotFound) {
		t.Errorf("async Go error: %v", err)
	}
}

// A name or key with a NUL byte would be cut short as a C string and name
// something else: every entry point refuses it.
func TestNamesWithNULAreRefused(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	rt.Eval(ctx, "var a = 1; function f() { return 'f' }")
	o, _ := rt.EvalObject(ctx, "({a: 1})")
	defer o.Release()
	fn := func(args ...Value) (any, error) { return nil, nil }
	checks := map[string]error{
		"Func":         rt.Func("g\x00x", fn),
		"FuncWith":     rt.FuncWith("g\x00y", func(*CallInfo) (any, error) { return nil, nil }),
		"Module":       rt.Module("host:\x00kv", nil),
		"ModuleExport": rt.Module("host:kv2", map[string]any{"a\x00b": 1}),
	}
	_, checks["Call"] = rt.Call(ctx, "f\x00junk")
	_, checks["Function"] = rt.Function("f\x00junk")
	_, checks["Get"] = o.Get("a\x00b")
	checks["Set"] = o.Set("a\x00b", 2)
	_, checks["Has"] = o.Has("a\x00b")
	_, checks["Delete"] = o.Delete("a\x00b")
	_, checks["Call method"] = o.Call(ctx, "a\x00b")
	_, checks["EvalNamed"] = rt.EvalNamed(ctx, "1", "x\x00.js")
	_, checks["Import"] = rt.Import(ctx, "m\x00.js")
	_, checks["NewNotifier"] = rt.NewNotifier("f\x00x")
	for what, err := range checks {
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("%s: %v", what, err)
		}
	}
	if v, _ := rt.Eval(ctx, "typeof g + typeof a"); v.String() != "undefinednumber" {
		t.Errorf("something was registered or changed: %v", v)
	}
}
