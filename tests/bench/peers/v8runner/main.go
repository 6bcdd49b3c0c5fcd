// v8runner's side of the engine comparison: the same workloads as the
// peer programs, through the public Go API, printed as BENCH lines.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	v8runner "github.com/v8runner/v8runner/go"
	"v8runner-bench/workloads"
)

func must[T any](v T, err error) T {
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

	// The same library in a startup snapshot: a runtime starts with it.
	snap, err := v8runner.NewSnapshot(func(rt *v8runner.Runtime) error {
		_, err := rt.Eval(ctx, src)
		return err
	})
	if err != nil {
		panic(err)
	}
	defer snap.Close()
	fromSnapshot := func() *v8runner.Runtime {
		rt := must(v8runner.NewRuntime(v8runner.WithSnapshot(snap)))
		if v := must(rt.Eval(ctx, "typeof ts.createSourceFile")); v.String() != "function" {
			panic("typescript missing from the snapshot")
		}
		return rt
	}
	evaluated := func() *v8runner.Runtime {
		rt := must(v8runner.NewRuntime())
		must(rt.Eval(ctx, src))
		return rt
	}
	fmt.Printf("BENCH tsload.snapshot %.1f ms\n", workloads.NsPerOp(5, func() { fromSnapshot().Close() })/1e6)
	data := must(snap.Bytes())
	fmt.Printf("BENCH tsload.snapsize %.1f MB\n", float64(len(data))/1e6)
	// RSS per live runtime holding typescript.js, each way (10 at once).
	for _, way := range []struct {
		name string
		make func() *v8runner.Runtime
	}{{"rss_snapshot", fromSnapshot}, {"rss_eval", evaluated}} {
		runtime.GC()
		before := rssKiB()
		live := make([]*v8runner.Runtime, 10)
		for i := range live {
			live[i] = way.make()
		}
		fmt.Printf("BENCH tsload.%s %.0f KiB\n", way.name, float64(rssKiB()-before)/float64(len(live)))
		for _, rt := range live {
			rt.Close()
		}
	}
}

// rssKiB is the process's resident set (Linux), in KiB.
func rssKiB() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
