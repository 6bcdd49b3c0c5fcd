package v8runner

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzEval feeds arbitrary source to Eval: it must return a value or one of
// the documented errors, never crash, and leave the runtime usable.
func FuzzEval(f *testing.F) {
	for _, seed := range []string{"1+1", "throw 1", "}", "'\xff'", "while(false){}", "new Array(5).fill({})",
		"Promise.reject(1)", "Symbol()", "(function(){})", "`${1}`", "\x00", "let a = [];a.push(a);a"} {
		f.Add(seed)
	}
	newRT := func() *Runtime {
		rt, err := NewRuntime(WithHeapLimit(64<<20), WithErrorHandler(func(error) {}))
		if err != nil {
			f.Fatal(err)
		}
		return rt
	}
	rt := newRT()
	defer func() { rt.Close() }()
	f.Fuzz(func(t *testing.T, src string) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := rt.Eval(ctx, src)
		var jsErr *JSError
		switch {
		case err == nil, errors.As(err, &jsErr), errors.Is(err, ErrTerminated), errors.Is(err, ErrBadInput):
		case errors.Is(err, ErrHeapLimit):
			// The input spent the runtime, as documented: it must now refuse
			// calls cleanly; later inputs get a fresh one (the fuzzer goes on).
			if _, err := rt.Eval(context.Background(), "1"); !errors.Is(err, ErrClosed) {
				t.Fatalf("after the heap limit: %v", err)
			}
			rt.Close()
			rt = newRT()
			return
		default:
			t.Fatalf("Eval(%q): unexpected error %v", src, err)
		}
		if !utf8.ValidString(src) && !errors.Is(err, ErrBadInput) {
			t.Fatalf("invalid UTF-8 accepted: %q", src)
		}
		if v, err := rt.Eval(context.Background(), "6*7"); err != nil || v.Int() != 42 {
			t.Fatalf("runtime unusable after %q: %v %v", src, v, err)
		}
	})
}

// FuzzConvert round-trips Go values through JS: what goes in comes back.
func FuzzConvert(f *testing.F) {
	f.Add("text", 1.5, int64(7), true, []byte{0, 1, 255})
	f.Add("", math.Inf(1), int64(-1<<53-1), false, []byte{})
	f.Add("\u2603\U0001F600", -0.0, int64(math.MaxInt64), true, []byte(nil))
	rt, err := NewRuntime()
	if err != nil {
		f.Fatal(err)
	}
	defer rt.Close()
	if _, err := rt.Eval(context.Background(), "function id(x) { return x }"); err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string, x float64, n int64, b bool, bs []byte) {
		v, err := rt.Call(ctx, "id", s)
		if !utf8.ValidString(s) {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("invalid UTF-8 string: %v", err)
			}
		} else if err != nil || v.String() != s {
			t.Fatalf("string %q came back as %q (%v)", s, v.String(), err)
		}
		if v, err := rt.Call(ctx, "id", x); err != nil || (v.Float() != x && !(math.IsNaN(x) && math.IsNaN(v.Float()))) {
			t.Fatalf("float %v came back as %v (%v)", x, v, err)
		}
		if v, err := rt.Call(ctx, "id", n); err != nil || v.Float() != float64(n) {
			t.Fatalf("int %d came back as %v (%v)", n, v, err)
		}
		if v, err := rt.Call(ctx, "id", b); err != nil || v.Bool() != b {
			t.Fatalf("bool %v came back as %v (%v)", b, v, err)
		}
		if v, err := rt.Call(ctx, "id", bs); err != nil || string(v.Bytes()) != string(bs) {
			t.Fatalf("bytes %v came back as %v (%v)", bs, v.Bytes(), err)
		}
	})
}
