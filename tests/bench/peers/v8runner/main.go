// v8runner's side of the engine comparison: the same workloads as the
// peer programs, through the public Go API, printed as BENCH lines.
package main

import (
	"context"
	"fmt"
	"os"

	v8runner "github.com/v8runner/v8runner/go"
	"v8runner-bench/workloads"
)

func must(v v8runner.Value, err error) v8runner.Value {
	if err != nil {
		panic(err)
	}
	return v
}

func main() {
	ctx := context.Background()
	rt, err := v8runner.NewRuntime()
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	rt.Func("inc", func(args ...v8runner.Value) (any, error) { return args[0].Int() + 1, nil })
	must(rt.Eval(ctx, "function loop(n) { let x = 0; for (let i = 0; i < n; i++) x = inc(x); return x }"))
	fmt.Printf("BENCH callback.go %.1f ns\n", workloads.NsPerOp(20, func() { must(rt.Call(ctx, "loop", 10000)) })/10000)

	must(rt.Eval(ctx, "function add(a, b) { return a + b }"))
	i := 0
	fmt.Printf("BENCH call.go %.1f ns\n", workloads.NsPerOp(200000, func() { i++; must(rt.Call(ctx, "add", i, 1)) }))

	// The fast path: the function looked up once (as the peers do) and the
	// runtime pinned to this goroutine's thread for the batch.
	add, err := rt.Function("add")
	if err != nil {
		panic(err)
	}
	rt.Pin(func() error {
		fmt.Printf("BENCH callfast.go %.1f ns\n", workloads.NsPerOp(200000, func() { i++; must(add.Call(ctx, i, 1)) }))
		return nil
	})

	fmt.Printf("BENCH eval.go %.1f ns\n", workloads.NsPerOp(200000, func() { must(rt.Eval(ctx, "1+1")) }))

	must(rt.Eval(ctx, workloads.Compute))
	fmt.Printf("BENCH compute.go %.2f ms\n", workloads.NsPerOp(10, func() { must(rt.Eval(ctx, "compute()")) })/1e6)

	must(rt.Eval(ctx, workloads.JSONRoundTrip+"; var doc; function setDoc(d) { doc = d }"))
	must(rt.Call(ctx, "setDoc", workloads.JSONDoc()))
	fmt.Printf("BENCH json.go %.2f ms\n", workloads.NsPerOp(10, func() { must(rt.Eval(ctx, "roundTrip(doc)")) })/1e6)

	// Object handles: a property read and write on an object held in Go,
	// and an async function's result awaited from Go.
	obj, err := rt.EvalObject(ctx, "({x: 1})")
	if err != nil {
		panic(err)
	}
	fmt.Printf("BENCH objget.go %.1f ns\n", workloads.NsPerOp(200000, func() { must(obj.Get("x")) }))
	fmt.Printf("BENCH objset.go %.1f ns\n", workloads.NsPerOp(200000, func() {
		i++
		if err := obj.Set("x", i); err != nil {
			panic(err)
		}
	}))
	rt.Pin(func() error {
		fmt.Printf("BENCH objgetfast.go %.1f ns\n", workloads.NsPerOp(200000, func() { must(obj.Get("x")) }))
		return nil
	})
	must(rt.Eval(ctx, "async function af(x) { await null; return x + 1 }"))
	fmt.Printf("BENCH await.go %.1f ns\n", workloads.NsPerOp(100000, func() {
		i++
		if v := must(must(rt.Call(ctx, "af", i)).Await(ctx)); v.Int() != int64(i+1) {
			panic("await")
		}
	}))

	// Load time of a large real library (typescript.js from npm, fetched by
	// make bench) in a fresh runtime, without and with V8's code cache.
	if path := os.Getenv("V8RUNNER_BENCH_TS"); path != "" {
		if src, err := os.ReadFile(path); err == nil {
			tsLoad(string(src))
		}
	}
}

func tsLoad(src string) {
	ctx := context.Background()
	first, _ := v8runner.NewRuntime()
	cache, err := first.CodeCache(src, "typescript.js")
	first.Close()
	if err != nil {
		panic(err)
	}
	load := func(withCache bool) {
		rt, _ := v8runner.NewRuntime()
		defer rt.Close()
		if withCache {
			if _, rejected, err := rt.EvalCached(ctx, src, "typescript.js", cache); err != nil || rejected {
				panic(fmt.Sprint("cache: ", rejected, err))
			}
		} else {
			must(rt.Eval(ctx, src))
		}
	}
	fmt.Printf("BENCH tsload.nocache %.1f ms\n", workloads.NsPerOp(5, func() { load(false) })/1e6)
	fmt.Printf("BENCH tsload.cache %.1f ms\n", workloads.NsPerOp(5, func() { load(true) })/1e6)
	fmt.Printf("BENCH tsload.size %.1f MB\n", float64(len(cache))/1e6)
}
