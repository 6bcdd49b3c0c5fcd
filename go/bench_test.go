package v8runner

import (
	"context"
	"testing"
)

// Benchmarks for make bench (tests/bench/report.py compares them with the
// raw v8 crate floor measured in the same run).

func BenchmarkRunV8(b *testing.B) {
	for b.Loop() {
		if out, err := RunV8("1+1"); err != nil || out != "2" {
			b.Fatal(out, err)
		}
	}
}

func BenchmarkRunV8Parallel(b *testing.B) {
	b.SetParallelism(1) // GOMAXPROCS goroutines: one per core
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if out, err := RunV8("1+1"); err != nil || out != "2" {
				b.Fatal(out, err)
			}
		}
	})
}

func BenchmarkEval(b *testing.B) {
	rt := newRuntime(b)
	ctx := context.Background()
	for b.Loop() {
		if v, err := rt.Eval(ctx, "1+1"); err != nil || v.Int() != 2 {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkEvalPinned: the same evals inside Pin (no per-call lock).
func BenchmarkEvalPinned(b *testing.B) {
	rt := newRuntime(b)
	ctx := context.Background()
	rt.Pin(func() error {
		for b.Loop() {
			if v, err := rt.Eval(ctx, "1+1"); err != nil || v.Int() != 2 {
				b.Fatal(v, err)
			}
		}
		return nil
	})
}

func BenchmarkNewRuntime(b *testing.B) {
	for b.Loop() {
		rt, err := NewRuntime()
		if err != nil {
			b.Fatal(err)
		}
		rt.Close()
	}
}

// BenchmarkCallbackJSToGo: one JS→Go call per op (JS loops over 1,000).
func BenchmarkCallbackJSToGo(b *testing.B) {
	rt := newRuntime(b)
	rt.Func("inc", func(args ...Value) (any, error) { return args[0].Int() + 1, nil })
	rt.Eval(context.Background(), "function loop(n) { let x = 0; for (let i = 0; i < n; i++) x = inc(x); return x }")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i += 1000 {
		n := min(1000, b.N-i)
		if v, err := rt.Call(ctx, "loop", n); err != nil || v.Int() != int64(n) {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkCallGoToJS: Go calls add(a, b) with fresh arguments each time.
func BenchmarkCallGoToJS(b *testing.B) {
	rt := newRuntime(b)
	rt.Eval(context.Background(), "function add(a, b) { return a + b }")
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if v, err := rt.Call(ctx, "add", i, 1); err != nil || v.Int() != int64(i+1) {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkCallGoToJSPinned: the same calls inside Pin (no per-call lock).
func BenchmarkCallGoToJSPinned(b *testing.B) {
	rt := newRuntime(b)
	rt.Eval(context.Background(), "function add(a, b) { return a + b }")
	ctx := context.Background()
	rt.Pin(func() error {
		i := 0
		for b.Loop() {
			i++
			if v, err := rt.Call(ctx, "add", i, 1); err != nil || v.Int() != int64(i+1) {
				b.Fatal(v, err)
			}
		}
		return nil
	})
}

// BenchmarkCallGoToJSFunction: through a *Function (no lookup by name).
func BenchmarkCallGoToJSFunction(b *testing.B) {
	rt := newRuntime(b)
	rt.Eval(context.Background(), "function add(a, b) { return a + b }")
	f, err := rt.Function("add")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rt.Pin(func() error {
		i := 0
		for b.Loop() {
			i++
			if v, err := f.Call(ctx, i, 1); err != nil || v.Int() != int64(i+1) {
				b.Fatal(v, err)
			}
		}
		return nil
	})
}

func BenchmarkHeapStats(b *testing.B) {
	rt, err := NewRuntime()
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	for b.Loop() {
		if _, err := rt.HeapStats(); err != nil {
			b.Fatal(err)
		}
	}
}
