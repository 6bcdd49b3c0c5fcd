package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"

	"unsafe"
)

// NotifierOption configures NewNotifier.
type NotifierOption func(*notifierOptions)

type notifierOptions struct {
	capacity int
	unref    bool
}

// WithCapacity bounds the notifier's queue: a Send that finds it full
// returns ErrQueueFull; SendWait waits for room.
func WithCapacity(n int) NotifierOption { return func(o *notifierOptions) { o.capacity = n } }

// Unref makes the notifier not keep Run going (as the classic addon unrefs
// its async handle).
func Unref() NotifierOption { return func(o *notifierOptions) { o.unref = true } }

// Notifier wakes a runtime from any goroutine: each payload sent is
// delivered exactly once, in order per sender, to the JS global function
// named when it was created, on the runtime's loop (while Run runs). Many
// sends between two loop turns coalesce into one wake-up.
type Notifier struct {
	handle[*C.v8r_notifier]
}

// NewNotifier creates a notifier that calls the global JS function named
// callback with each payload (looked up at delivery, so the script may
// define or replace it later). It keeps Run going until closed (or Unref).
func (r *Runtime) NewNotifier(callback string, opts ...NotifierOption) (*Notifier, error) {
	cname, err := cString(callback)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	return r.newNotifier(opts, func(h *C.v8r_runtime, capacity C.size_t, nh **C.v8r_notifier, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_notifier_new(h, cname, nil, nil, nil, capacity, nh, cerr)
	})
}

// NewNotifierFunc creates a notifier that calls fn, a JS function of this
// runtime (from EvalObject, Get..., kept alive by the notifier), with each
// payload. Otherwise as NewNotifier.
func (r *Runtime) NewNotifierFunc(fn *Object, opts ...NotifierOption) (*Notifier, error) {
	if fn == nil {
		return nil, fmt.Errorf("%w: fn is nil", ErrBadInput)
	}
	n, err := r.newNotifier(opts, func(h *C.v8r_runtime, capacity C.size_t, nh **C.v8r_notifier, cerr **C.v8r_error) C.v8r_status {
		fh, err := fn.ptr()
		if err != nil {
			return C.V8R_STATUS_CLOSED
		}
		return C.v8r_notifier_new_function(h, fh, capacity, nh, cerr)
	})
	runtime.KeepAlive(fn)
	return n, err
}

type createNotifier func(h *C.v8r_runtime, capacity C.size_t, nh **C.v8r_notifier, cerr **C.v8r_error) C.v8r_status

func (r *Runtime) newNotifier(opts []NotifierOption, create createNotifier) (*Notifier, error) {
	var o notifierOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.capacity < 0 {
		return nil, ErrBadInput
	}
	var nh *C.v8r_notifier
	err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return create(h, C.size_t(o.capacity), &nh, cerr)
	})
	if err != nil {
		return nil, err
	}
	if o.unref {
		C.v8r_notifier_ref(nh, false)
	}
	n := &Notifier{}
	adopt(n, &n.handle, nh, freeNotifier)
	return n, nil
}

func freeNotifier(h *C.v8r_notifier) { C.v8r_notifier_free(h) }

// Send queues v (converted as for Runtime.Call) without waiting: a full
// bounded queue gives ErrQueueFull, a closed notifier ErrClosed. Safe from
// any goroutine.
func (n *Notifier) Send(v any) error {
	return n.send(v, 0)
}

// SendWait is Send that waits for room in a bounded queue until ctx ends.
func (n *Notifier) SendWait(ctx context.Context, v any) error {
	for {
		err := n.send(v, 20)
		if err != ErrTimeout {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
	}
}

func (n *Notifier) send(v any, timeoutMs int64) error {
	cv, err := cValue(v)
	if err != nil {
		return err
	}
	defer freeCValue(&cv)
	h, err := n.ptr()
	if err != nil {
		return err
	}
	status := C.v8r_notifier_send(h, &cv, C.int64_t(timeoutMs))
	runtime.KeepAlive(n)
	switch status {
	case C.V8R_STATUS_OK:
		return nil
	case C.V8R_STATUS_TIMEOUT:
		return ErrTimeout
	}
	return statusError(status, nil)
}

// Close stops accepting payloads (Send then returns ErrClosed); those
// already queued are still delivered. Idempotent, safe while others send.
func (n *Notifier) Close() error {
	// Freeing closes it; a Send racing with this finds the handle gone and
	// gets ErrClosed (handles are validated, never dangling).
	n.close(freeNotifier)
	return nil
}
