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
)

// JSError is a JavaScript exception or syntax error.
type JSError struct {
	// Message as V8 reports it, e.g. "Uncaught TypeError: x is not a function".
	Message string
	// Stack is error.stack when the thrown value was an Error.
	Stack string
	// Resource is the script name; Line and Column are 1-based (0: unknown).
	Resource     string
	Line, Column int
	// Syntax is true when the script did not compile.
	Syntax bool
}

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
	e := &JSError{Message: C.GoString(cerr.message), Line: int(cerr.line), Column: int(cerr.column)}
	if cerr.stack != nil {
		e.Stack = C.GoString(cerr.stack)
	}
	if cerr.resource_name != nil {
		e.Resource = C.GoString(cerr.resource_name)
	}
	return e
}

// statusError turns a status and its C error (which it frees) into a Go
// error; nil for V8R_STATUS_OK.
func statusError(status C.v8r_status, cerr *C.v8r_error) error {
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
		e := &JSError{Message: msg, Syntax: status == C.V8R_STATUS_SYNTAX_ERROR}
		if cerr != nil {
			if cerr.stack != nil {
				e.Stack = C.GoString(cerr.stack)
			}
			if cerr.resource_name != nil {
				e.Resource = C.GoString(cerr.resource_name)
			}
			e.Line, e.Column = int(cerr.line), int(cerr.column)
		}
		return e
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
	default:
		return fmt.Errorf("%w: %s", ErrInternal, msg)
	}
}
