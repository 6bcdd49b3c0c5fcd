package v8runner

/*
#include <stdlib.h>
#include "trampoline.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"runtime/cgo"
	"unsafe"
	"weak"
)

// hostFunc is what a registered Go function's cgo.Handle refers to. It
// holds its runtime weakly: the library holds the handle until the
// runtime is freed, which must stay possible for a forgotten runtime.
type hostFunc struct {
	sync func(args ...Value) (any, error)
	// async functions; ctx ends when the runtime closes.
	async func(ctx context.Context, args ...Value) (any, error)
	ctx   context.Context
	rt    weak.Pointer[Runtime]
}

// args converts a call's arguments (live ones get Objects of the runtime,
// which is in use while it calls back).
func (fn *hostFunc) args(args *C.v8r_value, argc C.size_t) []Value {
	if r := fn.rt.Value(); r != nil {
		return r.goValues(args, argc)
	}
	out := make([]Value, argc)
	for i, v := range unsafe.Slice(args, int(argc)) {
		if !isObjectKind(v.kind) {
			out[i] = copyValue(&v)
		}
	}
	return out
}

// Func makes fn callable from JS as the global function name. JS arguments
// arrive as Values; fn's result is converted as described for Call. A
// returned error becomes a thrown JS Error with its message; a panic in fn
// becomes a JS exception too (its message includes the panic value) and
// never crashes the program.
//
// fn runs on the goroutine that is running the script (inside Eval, Call or
// Run), on that goroutine's OS thread; it may call back into the runtime.
func (r *Runtime) Func(name string, fn func(args ...Value) (any, error)) error {
	return r.register(name, &hostFunc{sync: fn}, false)
}

// AsyncFunc makes fn callable from JS as the global function name, which
// returns a Promise. Each call runs fn on its own goroutine; its result
// resolves the Promise (an error rejects it) through the event loop, so the
// script sees it while Run is running. ctx is cancelled when the runtime
// closes.
func (r *Runtime) AsyncFunc(name string, fn func(ctx context.Context, args ...Value) (any, error)) error {
	return r.register(name, &hostFunc{async: fn, ctx: r.ctx}, true)
}

func (r *Runtime) register(name string, fn *hostFunc, async bool) error {
	fn.rt = weak.Make(r)
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	fh := cgo.NewHandle(fn)
	data := C.v8r_go_handle(C.uintptr_t(fh))
	err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		if async {
			return C.v8r_runtime_register_async(h, cname, C.v8r_async_host_fn(C.v8r_go_async), data, C.v8r_finalizer_fn(C.v8r_go_release), cerr)
		}
		return C.v8r_runtime_register(h, cname, C.v8r_host_fn(C.v8r_go_host), data, C.v8r_finalizer_fn(C.v8r_go_release), cerr)
	})
	if err != nil {
		fh.Delete() // on failure the finalizer never runs
	}
	return err
}

// startAsync runs an async host function on its own goroutine and settles
// the JS promise with its outcome.
func (fn *hostFunc) startAsync(args []Value, promise *C.v8r_promise) {
	go func() {
		settled := false
		defer func() {
			// runtime.Goexit in fn: this goroutine ends, the promise must not
			// stay pending (it would keep Run going forever).
			if !settled {
				msg := []byte("Go function exited (runtime.Goexit) without returning")
				C.v8r_promise_reject(promise, (*C.char)(unsafe.Pointer(unsafe.SliceData(msg))), C.size_t(len(msg)))
			}
		}()
		out, err := func() (out any, err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("Go panic: %v", p)
				}
			}()
			return fn.async(fn.ctx, args...)
		}()
		settled = true
		var cv C.v8r_value
		if err == nil {
			cv, err = cValue(out) // the library copies it
		}
		if err != nil {
			rejectWith(promise, err)
			return
		}
		C.v8r_promise_resolve(promise, &cv)
		freeCValue(&cv)
		runtime.KeepAlive(out)
	}()
}
