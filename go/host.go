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
	// with: a function that sees `this` (the first C argument) and the
	// call's context.
	with func(c *CallInfo) (any, error)
	// async functions; ctx ends when the runtime closes.
	async func(ctx context.Context, args ...Value) (any, error)
	ctx   context.Context
	rt    weak.Pointer[Runtime]
}

// CallInfo is one JS call of a Go function made with FuncWith or
// NewFunction: the receiver, the arguments, and the context of the Go call
// (Eval, Call, Run...) the script runs in.
type CallInfo struct {
	// This is the call's receiver: for obj.f(), obj (an object, live).
	This Value
	// Args are the JS arguments.
	Args []Value
	ctx  context.Context
}

// Context is the context passed to the Eval, Call, Run or Await that is
// running the script making this call (for a timer or notifier callback:
// that of the Run). It is cancelled when that call's is, so a Go function
// doing I/O can stop with it. Without one (a call with no context), the
// runtime's own, which ends when the runtime closes.
func (c *CallInfo) Context() context.Context { return c.ctx }

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

// callInfo is the CallInfo of a FuncWith call: args[0] is `this`.
func (fn *hostFunc) callInfo(args []Value) *CallInfo {
	c := &CallInfo{ctx: context.Background()}
	if len(args) > 0 {
		c.This, c.Args = args[0], args[1:]
	}
	if r := fn.rt.Value(); r != nil {
		c.ctx = r.callContext()
	}
	return c
}

// FuncOption changes how Func, AsyncFunc, FuncWith and Bind register.
type FuncOption func(*funcOptions)

type funcOptions struct{ replace bool }

// Replace lets a registration put its function or object over a global
// that exists already (a built-in such as console, or a name registered
// before); without it that is ErrExists.
func Replace() FuncOption { return func(o *funcOptions) { o.replace = true } }

// Func makes fn callable from JS as the global function name. JS arguments
// arrive as Values; fn's result is converted as described for Call. A
// returned error is thrown in JS: a *JSError as the original exception,
// any other error as an Error with its message that, caught back in Go,
// is the same error (errors.Is works). A panic in fn becomes a JS
// exception too (its message includes the panic value) and never crashes
// the program.
//
// name must be a JS identifier (else ErrBadInput) and not a global yet
// (else ErrExists), unless Replace is given.
//
// fn runs on the goroutine that is running the script (inside Eval, Call or
// Run), on that goroutine's OS thread; it may call back into the runtime.
func (r *Runtime) Func(name string, fn func(args ...Value) (any, error), opts ...FuncOption) error {
	return r.register(name, &hostFunc{sync: fn}, false, opts)
}

// FuncWith is Func for a function that also sees the call's receiver
// (this) and the context of the Go call running the script.
func (r *Runtime) FuncWith(name string, fn func(c *CallInfo) (any, error), opts ...FuncOption) error {
	return r.register(name, &hostFunc{with: fn}, false, opts)
}

// AsyncFunc makes fn callable from JS as the global function name, which
// returns a Promise. Each call runs fn on its own goroutine; its result
// resolves the Promise (an error rejects it) through the event loop, so the
// script sees it while Run is running. ctx is cancelled when the runtime
// closes. Names as for Func.
func (r *Runtime) AsyncFunc(name string, fn func(ctx context.Context, args ...Value) (any, error), opts ...FuncOption) error {
	return r.register(name, &hostFunc{async: fn, ctx: r.ctx}, true, opts)
}

// NewFunction makes fn a JS function value (named name in stacks), not a
// global: set it as a property with Object.Set, or pass it to JS.
func (r *Runtime) NewFunction(name string, fn func(c *CallInfo) (any, error)) (*Object, error) {
	return r.newFunction(name, &hostFunc{with: fn})
}

func (r *Runtime) newFunction(name string, fn *hostFunc) (*Object, error) {
	fn.rt = weak.Make(r)
	cname, err := cString(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	fh := cgo.NewHandle(fn)
	data := C.v8r_go_handle(C.uintptr_t(fh))
	var h *C.v8r_object
	err = r.call(func(rh *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		if fn.async != nil {
			return C.v8r_runtime_new_async_function(rh, cname, 0, C.v8r_async_host_fn(C.v8r_go_async), data, C.v8r_finalizer_fn(C.v8r_go_release), &h, cerr)
		}
		return C.v8r_runtime_new_function(rh, cname, C.V8R_FUNCTION_THIS, C.v8r_host_fn(C.v8r_go_host), data, C.v8r_finalizer_fn(C.v8r_go_release), &h, cerr)
	})
	if err != nil {
		fh.Delete() // on failure the finalizer never runs
		return nil, err
	}
	return adoptObject(r, h), nil
}

func (r *Runtime) register(name string, fn *hostFunc, async bool, opts []FuncOption) error {
	var o funcOptions
	for _, opt := range opts {
		opt(&o)
	}
	// The library checks the name and the global; plain functions skip
	// `this` (no handle made per call).
	var flags C.uint32_t
	if fn.with != nil {
		r.wantsCallContext.Store(true)
		flags |= C.V8R_FUNCTION_THIS
	}
	if o.replace {
		flags |= C.V8R_REPLACE
	}
	fn.rt = weak.Make(r)
	cname, err := cString(name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	fh := cgo.NewHandle(fn)
	data := C.v8r_go_handle(C.uintptr_t(fh))
	err = r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		if async {
			return C.v8r_runtime_register_async_with(h, cname, flags, C.v8r_async_host_fn(C.v8r_go_async), data, C.v8r_finalizer_fn(C.v8r_go_release), cerr)
		}
		return C.v8r_runtime_register_with(h, cname, flags, C.v8r_host_fn(C.v8r_go_host), data, C.v8r_finalizer_fn(C.v8r_go_release), cerr)
	})
	if err != nil {
		fh.Delete() // on failure the finalizer never runs
	}
	return err
}

// setGlobal does globalThis[name] = v under the library's name rules: an
// identifier, not a global yet unless replace.
func (r *Runtime) setGlobal(name string, v any, replace bool) error {
	cname, err := cString(name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	cv, err := cValue(v) // an *Object is lent: the library stores its own reference
	if err != nil {
		return err
	}
	defer freeCValue(&cv)
	var flags C.uint32_t
	if replace {
		flags = C.V8R_REPLACE
	}
	err = r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_define_global(h, cname, &cv, flags, cerr)
	})
	runtime.KeepAlive(v)
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
