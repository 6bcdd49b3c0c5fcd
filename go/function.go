package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"unsafe"
)

// Function is a JS function of one runtime, looked up once and called many
// times (faster than Call, which looks the function up by name each time).
// It stays valid across calls, even if the global is reassigned, until
// Release or the runtime closes. Safe for concurrent use.
type Function struct {
	rt      *Runtime
	h       *C.v8r_function
	once    sync.Once
	cleanup runtime.Cleanup
}

// Function returns the global JS function name.
func (r *Runtime) Function(name string) (*Function, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var h *C.v8r_function
	var cerr *C.v8r_error
	status := C.v8r_runtime_function(r.h, cname, &h, &cerr)
	runtime.KeepAlive(r)
	if err := statusError(status, cerr); err != nil {
		return nil, err
	}
	f := &Function{rt: r, h: h}
	f.cleanup = runtime.AddCleanup(f, func(h *C.v8r_function) { C.v8r_function_free(h) }, h)
	return f, nil
}

// Call calls the function with args (converted as for Runtime.Call).
// Context handling as for Eval; after Release or Close, ErrClosed.
func (f *Function) Call(ctx context.Context, args ...any) (Value, error) {
	v, err := f.rt.invoke(ctx, f.h, nil, args)
	runtime.KeepAlive(f)
	return v, err
}

// Release lets the runtime free the function. Idempotent.
func (f *Function) Release() {
	f.once.Do(func() {
		f.cleanup.Stop()
		C.v8r_function_free(f.h)
	})
}
