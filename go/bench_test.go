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

func BenchmarkNewRuntime(b *testing.B) {
	for b.Loop() {
		rt, err := NewRuntime()
		if err != nil {
			b.Fatal(err)
		}
		rt.Close()
	}
}
