package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"runtime"
	"unsafe"
)

// Function is a JS function of one runtime, looked up once and called many
// times (faster than Call, which looks the function up by name each time).
// It stays valid across calls, even if the global is reassigned, until
// Release or the runtime closes. Safe for concurrent use.
type Function struct {
	handle[*C.v8r_function]
	rt *Runtime
}

// Function returns the global JS function name.
func (r *Runtime) Function(name string) (*Function, error) {
	cname, err := cString(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	h, err := r.ptr()
	if err != nil {
		return nil, err
	}
	// Not r.call: a closure here would cost allocations on a path that
	// makes many references.
	var fh *C.v8r_function
	var cerr *C.v8r_error
	if err := r.finish(C.v8r_runtime_function(h, cname, &fh, &cerr), cerr); err != nil {
		return nil, err
	}
	f := &Function{rt: r}
	adopt(f, &f.handle, fh, freeFunction)
	return f, nil
}

func freeFunction(h *C.v8r_function) { C.v8r_function_free(h) }

// Call calls the function with args (converted as for Runtime.Call).
// Context handling as for Eval; after Release or Close, ErrClosed.
func (f *Function) Call(ctx context.Context, args ...any) (Value, error) {
	h, err := f.ptr()
	if err != nil {
		return Value{}, err
	}
	v, err := f.rt.invoke(ctx, h, nil, args)
	runtime.KeepAlive(f)
	return v, err
}

// Release lets the runtime free the function. Idempotent.
func (f *Function) Release() {
	f.close(freeFunction)
}
