// The peer benchmark for tommie/v8go (cgo bindings to V8): the same
// workloads as v8runner's Go benchmarks, printed as BENCH lines for
// report.py. A separate module so the library never depends on it, and a
// separate program because two V8s cannot link into one binary.
//
// v8go keeps every *Value it hands out alive until its Context closes, so
// each measured operation releases the values it made: that is what a
// long-running program has to do, and without it memory grows with the
// iteration count.
package main

import "C" // so cgo builds glibc_compat.c, which lets V8 link on glibc < 2.38

import (
	"fmt"

	v8 "github.com/tommie/v8go"
	"v8runner-bench/workloads"
)

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func must[T any](v T, err error) T {
	check(err)
	return v
}

func main() {
	iso := v8.NewIsolate()
	defer iso.Dispose()
	var made []*v8.Value // values returned to JS by inc, released after each loop
	inc := v8.NewFunctionTemplate(iso, func(info *v8.FunctionCallbackInfo) *v8.Value {
		defer info.Release()
		v := must(v8.NewValue(iso, info.Args()[0].Int32()+1))
		made = append(made, v)
		return v
	})
	global := v8.NewObjectTemplate(iso)
	check(global.Set("inc", inc))
	ctx := v8.NewContext(iso, global)
	defer ctx.Close()
	run := func(src string) { must(ctx.RunScript(src, "bench.js")).Release() }
	fn := func(name string) *v8.Function { return must(must(ctx.Global().Get(name)).AsFunction()) }
	undef := v8.Undefined(iso)

	run("function loop(n) { let x = 0; for (let i = 0; i < n; i++) x = inc(x); return x }")
	loop, n := fn("loop"), must(v8.NewValue(iso, int32(10000)))
	fmt.Printf("BENCH callback.v8go %.1f ns\n", workloads.NsPerOp(20, func() {
		must(loop.Call(undef, n)).Release()
		for _, v := range made {
			v.Release()
		}
		made = made[:0]
	})/10000)

	run("function add(a, b) { return a + b }")
	add := fn("add")
	i := int32(0)
	fmt.Printf("BENCH call.v8go %.1f ns\n", workloads.NsPerOp(200000, func() {
		i++
		a, b := must(v8.NewValue(iso, i)), must(v8.NewValue(iso, int32(1)))
		must(add.Call(undef, a, b)).Release()
		a.Release()
		b.Release()
	}))

	fmt.Printf("BENCH eval.v8go %.1f ns\n", workloads.NsPerOp(100000, func() { run("1+1") }))

	run(workloads.Compute)
	fmt.Printf("BENCH compute.v8go %.2f ms\n", workloads.NsPerOp(1, func() { run("compute()") })/1e6)

	check(ctx.Global().Set("doc", workloads.JSONDoc()))
	run(workloads.JSONRoundTrip)
	fmt.Printf("BENCH json.v8go %.2f ms\n", workloads.NsPerOp(3, func() { run("roundTrip(doc)") })/1e6)

	// Object handles: a property read and write on an object held in Go,
	// and an async function's result awaited from Go.
	run("var held = {x: 1}; async function af(x) { await null; return x + 1 }")
	obj := must(must(ctx.Global().Get("held")).AsObject())
	fmt.Printf("BENCH objget.v8go %.1f ns\n", workloads.NsPerOp(200000, func() { must(obj.Get("x")).Release() }))
	fmt.Printf("BENCH objset.v8go %.1f ns\n", workloads.NsPerOp(200000, func() { i++; check(obj.Set("x", i)) }))
	af := fn("af")
	fmt.Printf("BENCH await.v8go %.1f ns\n", workloads.NsPerOp(100000, func() {
		i++
		a := must(v8.NewValue(iso, i))
		v := must(af.Call(undef, a))
		p := must(v.AsPromise())
		for p.State() == v8.Pending {
			ctx.PerformMicrotaskCheckpoint()
		}
		if p.State() != v8.Fulfilled || p.Result().Int32() != i+1 {
			panic("await")
		}
		p.Result().Release()
		v.Release()
		a.Release()
	}))
}
