// Package workloads holds the JS workloads every engine's benchmark
// program runs, so the figures compare the same work.
package workloads

import (
	_ "embed"
	"fmt"
	"strings"
)

// Compute defines compute(): recursion, a sieve, object allocation and a
// sort — a small Octane-style mix. It returns a checksum. The Rust floor
// (tests/bench/floor.rs) runs the same file.
//
//go:embed compute.js
var Compute string

// JSONRoundTrip defines roundTrip(text): parse and stringify.
//
//go:embed json.js
var JSONRoundTrip string

// JSONDoc is a deterministic JSON document of about 1 MB.
func JSONDoc() string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","price":%d.%02d,"tags":["a%d","b%d"],"ok":%t,"nested":{"depth":%d,"note":null}}`,
			i, i, i%500, i%100, i%7, i%11, i%2 == 0, i%5)
	}
	b.WriteString("]")
	return b.String()
}
