package v8runner

/*
#include "v8runner.h"
*/
import "C"

import (
	"context"
)

// Run runs the runtime's event loop (timers, Go async results, notifier
// deliveries, finished work) until nothing that keeps it alive is pending,
// or ctx ends (then the error matches ErrTerminated and ctx.Err()).
//
// A callback that throws, or a promise rejected with no handler, is passed
// to the error handler (WithErrorHandler; default: the console) and the loop
// goes on; Run then returns the first such error as a *JSError. Only one
// goroutine can run the loop at a time; Eval and Call from other goroutines
// interleave with it.
func (r *Runtime) Run(ctx context.Context) error {
	h, err := r.ptr()
	if err != nil {
		return err
	}
	id := callIDs.Add(1)
	stop := r.terminateOnDone(ctx, h, id)
	var cerr *C.v8r_error
	status := C.v8r_runtime_run(h, 0, C.uint64_t(id), nil, &cerr)
	stop()
	if err := r.finish(status, cerr); err != nil {
		return r.explain(ctx, err)
	}
	return nil
}
