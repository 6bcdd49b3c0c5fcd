// The peer benchmark for goja (a JS engine in pure Go): the same workloads
// as v8runner's Go benchmarks, printed as BENCH lines for report.py. A
// separate module so the library never depends on it.
package main

import (
	"fmt"

	"github.com/dop251/goja"
	"v8runner-bench/workloads"
)

func main() {
	vm := goja.New()
	vm.Set("inc", func(x int64) int64 { return x + 1 })
	vm.RunString("function loop(n) { let x = 0; for (let i = 0; i < n; i++) x = inc(x); return x }")
	loop, _ := goja.AssertFunction(vm.Get("loop"))
	fmt.Printf("BENCH callback.goja %.1f ns\n", workloads.NsPerOp(20, func() { loop(goja.Undefined(), vm.ToValue(10000)) })/10000)

	vm.RunString("function add(a, b) { return a + b }")
	add, _ := goja.AssertFunction(vm.Get("add"))
	i := 0
	fmt.Printf("BENCH call.goja %.1f ns\n", workloads.NsPerOp(200000, func() { i++; add(goja.Undefined(), vm.ToValue(i), vm.ToValue(1)) }))

	fmt.Printf("BENCH eval.goja %.1f ns\n", workloads.NsPerOp(100000, func() { vm.RunString("1+1") }))

	vm.RunString(workloads.Compute)
	fmt.Printf("BENCH compute.goja %.1f ms\n", workloads.NsPerOp(1, func() { vm.RunString("compute()") })/1e6)

	vm.Set("doc", workloads.JSONDoc())
	vm.RunString(workloads.JSONRoundTrip)
	fmt.Printf("BENCH json.goja %.1f ms\n", workloads.NsPerOp(3, func() { vm.RunString("roundTrip(doc)") })/1e6)

	// Object handles: a property read and write on an object held in Go,
	// and an async function's result awaited from Go.
	obj := vm.NewObject()
	obj.Set("x", 1)
	fmt.Printf("BENCH objget.goja %.1f ns\n", workloads.NsPerOp(200000, func() { obj.Get("x").ToInteger() }))
	j := 0
	fmt.Printf("BENCH objset.goja %.1f ns\n", workloads.NsPerOp(200000, func() { j++; obj.Set("x", j) }))
	vm.RunString("async function af(x) { await null; return x + 1 }")
	af, _ := goja.AssertFunction(vm.Get("af"))
	fmt.Printf("BENCH await.goja %.1f ns\n", workloads.NsPerOp(100000, func() {
		j++
		p, _ := af(goja.Undefined(), vm.ToValue(j))
		if pr := p.Export().(*goja.Promise); pr.State() != goja.PromiseStateFulfilled || pr.Result().ToInteger() != int64(j+1) {
			panic("await")
		}
	}))
}
