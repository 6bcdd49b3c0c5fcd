package v8runner

// The Go functions the library calls back (through trampoline.c). Each
// receives a runtime/cgo.Handle as an integer: C never holds a Go pointer.
// Every one recovers panics, so a Go panic never unwinds through C frames.

/*
#include "trampoline.h"
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// exceptionResult stores message as the error a host function throws.
func exceptionResult(result *C.v8r_value, message string) C.v8r_status {
	b := []byte(message)
	result.kind = C.V8R_KIND_STRING
	result.data = (*C.char)(C.CBytes(b))
	result.len = C.size_t(len(b))
	return C.V8R_STATUS_EXCEPTION
}

//export v8rGoHostCall
func v8rGoHostCall(h C.uintptr_t, args *C.v8r_value, argc C.size_t, result *C.v8r_value) (status C.v8r_status) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if r := recover(); r != nil {
			status = exceptionResult(result, fmt.Sprintf("Go panic: %v", r))
			return
		}
		// Neither returned nor panicked: runtime.Goexit (t.Fatal, say). It
		// cannot be stopped, and it unwinds the library's C frames below
		// this callback, so the runtime is left behind (see goexitInCallback).
		goexitInCallback()
	}()
	fn := cgo.Handle(h).Value().(*hostFunc)
	var out any
	var err error
	if fn.with != nil {
		out, err = fn.with(fn.callInfo(fn.args(args, argc)))
	} else {
		out, err = fn.sync(fn.args(args, argc)...)
	}
	returned = true
	if err != nil {
		*result = thrownValue(err)
		return C.V8R_STATUS_EXCEPTION
	}
	cv, err := ownedCValue(out)
	if err != nil {
		return exceptionResult(result, err.Error())
	}
	*result = cv // the library takes the buffer (or handle) over
	return C.V8R_STATUS_OK
}

// goexitInCallback runs while runtime.Goexit unwinds a callback's goroutine
// through the library's C frames, which hold the runtime's lock and which V8
// state refers to. Go cannot stop a Goexit, so the goroutine ends as Go
// requires (deferred calls run: t.Fatal works), and the damage stays
// contained: the library marks every runtime this thread was inside as
// dead (other calls get ErrClosed, Close returns and releases what it
// can; the isolate's memory is leaked), and the OS thread, whose stack V8
// no longer agrees with, exits with the goroutine instead of running other
// goroutines.
func goexitInCallback() {
	C.v8r_thread_abandon()
	runtime.LockOSThread()
}

//export v8rGoAsyncCall
func v8rGoAsyncCall(h C.uintptr_t, args *C.v8r_value, argc C.size_t, promise *C.v8r_promise) {
	fn := cgo.Handle(h).Value().(*hostFunc)
	fn.startAsync(fn.args(args, argc), promise)
}

//export v8rGoRelease
func v8rGoRelease(h C.uintptr_t) {
	cgo.Handle(h).Delete()
}

//export v8rGoConsole
func v8rGoConsole(h C.uintptr_t, level C.uint32_t, text *C.char, n C.size_t) {
	defer func() { _ = recover() }()
	s := cgo.Handle(h).Value().(*sinks)
	s.console(ConsoleLevel(level), goString(text, n))
}

//export v8rGoError
func v8rGoError(h C.uintptr_t, cerr *C.v8r_error) {
	defer func() { _ = recover() }()
	s := cgo.Handle(h).Value().(*sinks)
	if s.onError != nil {
		s.onError(borrowedError(cerr))
	}
}

//export v8rGoWork
func v8rGoWork(h C.uintptr_t) {
	cgo.Handle(h).Value().(*Work).run()
}

//export v8rGoAfterWork
func v8rGoAfterWork(req *C.v8r_work, status C.v8r_status, h C.uintptr_t) {
	handle := cgo.Handle(h)
	defer handle.Delete()
	handle.Value().(*Work).finish(status)
	_ = unsafe.Pointer(req)
}

//export v8rGoAsyncEvent
func v8rGoAsyncEvent(h C.uintptr_t, kind C.v8r_go_event, id C.uint64_t, typ C.uint32_t, trigger C.uint64_t) {
	t := cgo.Handle(h).Value().(*asyncHookTarget)
	defer func() {
		if p := recover(); p != nil {
			t.panics.keep(p) // re-raised by the call during which the hook ran
		}
	}()
	hooks := &t.hooks
	switch kind {
	case C.V8R_GO_EVENT_INIT:
		hooks.Init(uint64(id), C.GoString(C.v8r_async_type_name(typ)), uint64(trigger))
	case C.V8R_GO_EVENT_BEFORE:
		hooks.Before(uint64(id))
	case C.V8R_GO_EVENT_AFTER:
		hooks.After(uint64(id))
	case C.V8R_GO_EVENT_DESTROY:
		hooks.Destroy(uint64(id))
	case C.V8R_GO_EVENT_PROMISE_RESOLVE:
		hooks.PromiseResolve(uint64(id))
	}
}

// chunkWriter is what v8rGoWrite's handle refers to: a writer and its
// first error (which stops the writing).
type chunkWriter struct {
	w   io.Writer
	err error
}

//export v8rGoWrite
func v8rGoWrite(h C.uintptr_t, chunk *C.uint8_t, n C.size_t) (ok C.bool) {
	cw := cgo.Handle(h).Value().(*chunkWriter)
	defer func() {
		if r := recover(); r != nil {
			cw.err = fmt.Errorf("writer panicked: %v", r)
			ok = false
		}
	}()
	if _, err := cw.w.Write(unsafe.Slice((*byte)(unsafe.Pointer(chunk)), int(n))); err != nil {
		cw.err = err
		return false
	}
	return true
}
