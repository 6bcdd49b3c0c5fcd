// The cgo floor: what a bare C→Go callback and a bare Go→C call cost on
// this machine, with nothing else around them. v8runner's JS→Go callbacks
// and Go→JS calls are compared against these (and the raw V8 call floor
// from the Rust bench) in the same make bench run.
package main

import (
	"fmt"
	"time"
	"v8runner-bench/workloads"
)

func main() {
	const n = 2_000_000
	cb := workloads.Median(func() float64 {
		t := time.Now()
		if loopCalls(n) != n {
			panic("bad count")
		}
		return float64(time.Since(t).Nanoseconds()) / n
	})
	fmt.Printf("BENCH callback.cgo %.1f ns\n", cb)
	call := workloads.Median(func() float64 {
		t := time.Now()
		s := int64(0)
		for i := int64(0); i < n; i++ {
			s += add(i, 1)
		}
		if s == 0 {
			panic("unused")
		}
		return float64(time.Since(t).Nanoseconds()) / n
	})
	fmt.Printf("BENCH call.cgo %.1f ns\n", call)
}
