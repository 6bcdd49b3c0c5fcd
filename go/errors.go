package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is.
var (
	// ErrClosed: the runtime was closed (or closed itself after reaching
	// its heap limit).
	ErrClosed = errors.New("v8runner: runtime closed")
	// ErrTerminated: the script was stopped (context done, or Terminate).
	ErrTerminated = errors.New("v8runner: execution terminated")
	// ErrHeapLimit: the script reached the runtime's heap limit.
	ErrHeapLimit = errors.New("v8runner: heap limit reached")
	// ErrBadInput: an argument was refused (e.g. an empty script for RunV8).
	ErrBadInput = errors.New("v8runner: bad input")
	// ErrInternal: a bug in v8runner, reported instead of crashing.
	ErrInternal = errors.New("v8runner: internal error")
	// ErrQueueFull: a bounded notifier's queue is full.
	ErrQueueFull = errors.New("v8runner: queue full")
	// ErrCanceled: queued work was canceled before it started.
	ErrCanceled = errors.New("v8runner: canceled")
	// ErrBusy: too late, e.g. canceling work that already started.
	ErrBusy = errors.New("v8runner: busy")
	// ErrTimeout: a wait ran out of time.
	ErrTimeout = errors.New("v8runner: timeout")
	// ErrOutOfMemory: the process cannot give V8 the memory it needs (for
	// example an address-space limit, ulimit -v); nothing was created.
	ErrOutOfMemory = errors.New("v8runner: out of memory")
	// ErrPending: awaiting a promise that nothing in the event loop can
	// settle any more.
	ErrPending = errors.New("v8runner: promise still pending")
	// ErrWrongThread: a call where the runtime cannot take it, e.g. Run or
	// Await of a pending promise from inside one of its callbacks.
	ErrWrongThread = errors.New("v8runner: wrong thread")
	// ErrExists: registering over a global that exists already (a
	// built-in such as Math or setTimeout, or a name registered before)
	// without Replace.
	ErrExists = errors.New("v8runner: name exists")
)

// JSError is a JavaScript exception or syntax error.
//
// Across the boundary it keeps its identity: returned by a Func (as it
// is, not wrapped) it is rethrown in JS as the original exception (same
// constructor, same stack), and a Go error a Func returned that comes back
// out of JS (thrown through, or as the cause of another error) is what
// Unwrap gives, so errors.Is and errors.As see it.
type JSError struct {
	// Message as V8 reports it, e.g. "Uncaught TypeError: x is not a function".
	Message string
	// Name is the thrown value's constructor name ("TypeError", "Error",
	// a class name) when it was an object.
	Name string
	// Stack is error.stack when the thrown value was an Error.
	Stack string
	// Resource is the script name; Line and Column are 1-based (0: unknown).
	Resource     string
	Line, Column int
	// Syntax is true when the script did not compile.
	Syntax bool

	exception *Object // the thrown value, live (nil for primitives)
	cause     error   // the Go error a Func threw, if this is (caused by) it
}

// Exception is the thrown value itself, live, when it was an object (nil
// otherwise, and for errors of one-shot calls).
func (e *JSError) Exception() *Object { return e.exception }

// Unwrap is the Go error behind the exception: one a Func returned, which
// JS threw on (or used as the cause of this error). Nil for JS's own.
func (e *JSError) Unwrap() error { return e.cause }

// Error gives the message with its location.
func (e *JSError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Resource, e.Line, e.Column, e.Message)
	}
	return e.Message
}

// Format prints the JS stack with %+v.
func (e *JSError) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') && e.Stack != "" {
		fmt.Fprintf(s, "%s\n%s", e.Error(), e.Stack)
		return
	}
	fmt.Fprint(s, e.Error())
}

// borrowedError converts a C error the library still owns.
func borrowedError(cerr *C.v8r_error) error {
	return jsError(nil, cerr, false)
}

// jsError converts a C error of runtime r (nil: no live exception).
func jsError(r *Runtime, cerr *C.v8r_error, syntax bool) *JSError {
	e := &JSError{Message: C.GoString(cerr.message), Line: int(cerr.line), Column: int(cerr.column), Syntax: syntax}
	if cerr.stack != nil {
		e.Stack = C.GoString(cerr.stack)
	}
	if cerr.resource_name != nil {
		e.Resource = C.GoString(cerr.resource_name)
	}
	if cerr.name != nil {
		e.Name = C.GoString(cerr.name)
	}
	if r != nil && cerr.exception != nil {
		e.exception = adoptObject(r, C.v8r_object_dup(cerr.exception))
	}
	if cerr.host_tag != 0 {
		e.cause = hostErrors.get(uint64(cerr.host_tag))
	}
	return e
}

// statusError turns a status and its C error (which it frees) into a Go
// error; nil for V8R_STATUS_OK.
func statusError(status C.v8r_status, cerr *C.v8r_error) error {
	return statusErrorOf(nil, status, cerr)
}

// statusErrorOf is statusError for a call of runtime r: a JS exception
// keeps the thrown value live.
func statusErrorOf(r *Runtime, status C.v8r_status, cerr *C.v8r_error) error {
	if cerr != nil { // no cgo call when there is nothing to free
		defer C.v8r_error_free(cerr)
	}
	if status == C.V8R_STATUS_OK {
		return nil
	}
	msg := C.GoString(C.v8r_status_name(C.uint32_t(status)))
	if cerr != nil {
		msg = C.GoString(cerr.message)
	}
	switch status {
	case C.V8R_STATUS_SYNTAX_ERROR, C.V8R_STATUS_EXCEPTION:
		if cerr == nil {
			return &JSError{Message: msg, Syntax: status == C.V8R_STATUS_SYNTAX_ERROR}
		}
		return jsError(r, cerr, status == C.V8R_STATUS_SYNTAX_ERROR)
	case C.V8R_STATUS_TERMINATED:
		return ErrTerminated
	case C.V8R_STATUS_HEAP_LIMIT:
		return fmt.Errorf("%w: %s", ErrHeapLimit, msg)
	case C.V8R_STATUS_CLOSED, C.V8R_STATUS_CLOSING:
		return fmt.Errorf("%w: %s", ErrClosed, msg)
	case C.V8R_STATUS_QUEUE_FULL:
		return ErrQueueFull
	case C.V8R_STATUS_CANCELED:
		return ErrCanceled
	case C.V8R_STATUS_BUSY:
		return fmt.Errorf("%w: %s", ErrBusy, msg)
	case C.V8R_STATUS_TIMEOUT:
		return ErrTimeout
	case C.V8R_STATUS_BAD_INPUT:
		return fmt.Errorf("%w: %s", ErrBadInput, msg)
	case C.V8R_STATUS_OUT_OF_MEMORY:
		return fmt.Errorf("%w: %s", ErrOutOfMemory, msg)
	case C.V8R_STATUS_PENDING:
		return fmt.Errorf("%w: %s", ErrPending, msg)
	case C.V8R_STATUS_WRONG_THREAD:
		return fmt.Errorf("%w: %s", ErrWrongThread, msg)
	case C.V8R_STATUS_EXISTS:
		return fmt.Errorf("%w: %s", ErrExists, msg)
	default:
		return fmt.Errorf("%w: %s", ErrInternal, msg)
	}
}
