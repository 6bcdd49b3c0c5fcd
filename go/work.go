package v8runner

/*
#include "trampoline.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
)

// Work is a function queued on the shared thread pool with QueueWork.
type Work struct {
	// panics, not the *Runtime: pending work must not keep a forgotten
	// runtime from being collected.
	panics *panics
	work   func() (any, error)
	after  func(result any, err error)
	result any
	err    error
	req    *C.v8r_work
}

// QueueWork runs work on the library's thread pool (it must not use the
// runtime), then after(result, err) on the runtime's loop thread, while Run
// runs, where after may call Eval and Call and queue more work (the chunked
// pattern). If the work is canceled before it starts, after gets
// ErrCanceled. A queued request keeps Run going until after has run; a
// panic in work becomes its error.
func (r *Runtime) QueueWork(work func() (any, error), after func(result any, err error)) (*Work, error) {
	w := &Work{panics: r.panics, work: work, after: after}
	wh := cgo.NewHandle(w)
	h, err := r.ptr()
	if err == nil {
		var cerr *C.v8r_error
		status := C.v8r_queue_work(h, C.v8r_work_fn(C.v8r_go_work), C.v8r_after_work_fn(C.v8r_go_after_work),
			C.v8r_go_handle(C.uintptr_t(wh)), &w.req, &cerr)
		err = r.finish(status, cerr)
	}
	if err != nil {
		wh.Delete() // on failure no callback runs
		return nil, err
	}
	return w, nil
}

// Cancel cancels the work if it has not started: after then gets
// ErrCanceled. Once it started, ErrBusy; once after has run, ErrClosed.
func (w *Work) Cancel() error {
	return statusError(C.v8r_cancel_work(w.req), nil)
}

func (w *Work) run() {
	defer func() {
		if p := recover(); p != nil {
			w.err = fmt.Errorf("Go panic in work: %v", p)
		}
	}()
	w.result, w.err = w.work()
}

func (w *Work) finish(status C.v8r_status) {
	defer func() {
		if p := recover(); p != nil {
			// A panic must not unwind into C: carry it back to the call
			// that runs the loop, which re-raises it once C has returned.
			w.panics.keep(p)
		}
	}()
	if status == C.V8R_STATUS_CANCELED {
		w.after(nil, ErrCanceled)
		return
	}
	w.after(w.result, w.err)
}

// poolThreads is the size of the library's shared work pool.
func poolThreads() int {
	return int(C.v8r_threadpool_size())
}
