//go:build v8rdebug

package v8runner

import "runtime"

// maybeGC collects garbage at every handle use under -tags v8rdebug, to
// shake out lifetime bugs (a handle freed while still in use).
func maybeGC() { runtime.GC() }
