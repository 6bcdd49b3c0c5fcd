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
)

// hostFunc is what a registered Go function's cgo.Handle refers to.
type hostFunc struct {
	sync func(args ...Value) (any, error)
	// async functions; ctx ends when the runtime closes.
	async func(ctx context.Context, args ...Value) (any, error)
	ctx   context.Context
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
	if r.closed.Load() {
		return ErrClosed
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	h := cgo.NewHandle(fn)
	var cerr *C.v8r_error
	var status C.v8r_status
	if async {
		status = C.v8r_runtime_register_async(r.h, cname, C.v8r_async_host_fn(C.v8r_go_async), C.v8r_go_handle(C.uintptr_t(h)), C.v8r_finalizer_fn(C.v8r_go_release), &cerr)
	} else {
		status = C.v8r_runtime_register(r.h, cname, C.v8r_host_fn(C.v8r_go_host), C.v8r_go_handle(C.uintptr_t(h)), C.v8r_finalizer_fn(C.v8r_go_release), &cerr)
	}
	runtime.KeepAlive(r)
	if err := statusError(status, cerr); err != nil {
		h.Delete() // on failure the finalizer never runs
		return err
	}
	return nil
}

// startAsync runs an async host function on its own goroutine and settles
// the JS promise with its outcome.
func (fn *hostFunc) startAsync(args []Value, promise *C.v8r_promise) {
	go func() {
		out, err := func() (out any, err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("Go panic: %v", p)
				}
			}()
			return fn.async(fn.ctx, args...)
		}()
		var cv C.v8r_value
		if err == nil {
			cv, err = cValue(out)
		}
		if err != nil {
			msg := []byte(err.Error())
			C.v8r_promise_reject(promise, (*C.char)(unsafe.Pointer(unsafe.SliceData(msg))), C.size_t(len(msg)))
			return
		}
		C.v8r_promise_resolve(promise, &cv)
		freeCValue(&cv)
	}()
}

// Call calls the global JS function fn with args (converted: nil → null,
// bool, numbers, string, []byte → Uint8Array, *big.Int → BigInt, time.Time
// → Date, Value as is, anything else through encoding/json) and returns
// its result. Microtasks run before it returns. Context handling as for
// Eval. To call the same function often, look it up once with Function.
func (r *Runtime) Call(ctx context.Context, fn string, args ...any) (Value, error) {
	cname := C.CString(fn)
	defer C.free(unsafe.Pointer(cname))
	return r.invoke(ctx, args, func(argp *C.v8r_value, argc C.size_t, id C.uint64_t, out *C.v8r_value, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_call(r.h, cname, argp, argc, id, out, cerr)
	})
}

// invoke runs one call through the library: arguments converted and
// freed, a call id for cancellation, errors and the result mapped.
func (r *Runtime) invoke(ctx context.Context, args []any,
	call func(argp *C.v8r_value, argc C.size_t, id C.uint64_t, out *C.v8r_value, cerr **C.v8r_error) C.v8r_status) (Value, error) {
	if r.closed.Load() {
		return Value{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Value{}, fmt.Errorf("%w: %w", ErrTerminated, err)
	}
	cargs, err := cValues(args)
	if err != nil {
		return Value{}, err
	}
	defer freeCValues(cargs)
	var argp *C.v8r_value
	if len(cargs) > 0 {
		argp = &cargs[0]
	}
	id := callIDs.Add(1)
	stop := r.terminateOnDone(ctx, id)
	var out C.v8r_value
	var cerr *C.v8r_error
	status := call(argp, C.size_t(len(cargs)), C.uint64_t(id), &out, &cerr)
	runtime.KeepAlive(r)
	stop()
	if err := statusError(status, cerr); err != nil {
		return Value{}, r.explain(ctx, err)
	}
	return valueFromC(&out), nil
}
