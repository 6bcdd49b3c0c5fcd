package v8runner

/*
#include "v8runner.h"
*/
import "C"

import "runtime"

// Pin runs fn with the runtime pinned to the calling goroutine: the
// goroutine is locked to its OS thread and keeps the runtime's lock for the
// whole of fn, so every Eval and Call that fn makes on this goroutine skips
// the per-call lock (the fast path for many small calls; see the
// benchmarks). Other goroutines' calls wait until fn returns, so fn must
// not wait for goroutines that use this runtime. Run is refused inside fn
// (ErrWrongThread), as is awaiting a promise that has not settled yet.
// Context cancellation still stops individual calls made inside fn.
func (r *Runtime) Pin(fn func() error) error {
	h, err := r.ptr()
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := r.finish(C.v8r_runtime_pin(h), nil); err != nil {
		return err
	}
	defer func() {
		C.v8r_runtime_unpin(h)
		runtime.KeepAlive(r)
	}()
	return fn()
}
