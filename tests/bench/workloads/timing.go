package workloads

import (
	"sort"
	"time"
)

// Median runs f five times and returns the middle result.
func Median(f func() float64) float64 {
	var xs []float64
	for range 5 {
		xs = append(xs, f())
	}
	sort.Float64s(xs)
	return xs[2]
}

// NsPerOp is the median time of op over rounds of n calls, after one
// warm-up call, in nanoseconds per call.
func NsPerOp(n int, op func()) float64 {
	op()
	return Median(func() float64 {
		t := time.Now()
		for range n {
			op()
		}
		return float64(time.Since(t).Nanoseconds()) / float64(n)
	})
}
