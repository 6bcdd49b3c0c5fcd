package v8runner

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// handle is how a Go object holds a library handle (after wasmtime-go's
// ptr() discipline): ptr gives ErrClosed once the object is closed; close
// is idempotent, stops the safety-net cleanup and frees the handle; a
// forgotten object's cleanup frees it from the cleanup goroutine (the
// library's handles may be freed from any thread, and are validated on
// every call, so a late call after a free gets an error, never a crash).
// Runtime, Function and Notifier embed one; P is the C handle's pointer
// type (cgo's incomplete struct types cannot be type arguments).
type handle[P any] struct {
	p       P
	closed  atomic.Bool
	once    sync.Once
	cleanup runtime.Cleanup
}

// adopt makes h, embedded in owner, hold p, freed by free when owner is
// garbage collected without being closed.
func adopt[T, P any](owner *T, h *handle[P], p P, free func(P)) {
	h.p = p
	h.cleanup = runtime.AddCleanup(owner, free, p)
}

// ptr is the handle, or ErrClosed once closed.
func (h *handle[P]) ptr() (P, error) {
	maybeGC()
	if h.closed.Load() {
		var none P
		return none, ErrClosed
	}
	return h.p, nil
}

// close marks the object closed and frees its handle with free, once.
func (h *handle[P]) close(free func(P)) {
	h.once.Do(func() {
		h.closed.Store(true)
		h.cleanup.Stop()
		free(h.p)
	})
}

// panics carries a panic raised by a Go callback that C called (an async
// hook, a work after-callback) back to the Go call that made the C call,
// which re-raises it once C has returned (after wasmtime-go's lastPanic).
// Callbacks hold this, not the *Runtime, so a forgotten runtime can still
// be collected.
type panics struct{ p atomic.Pointer[any] }

// keep remembers p (the first one wins).
func (s *panics) keep(p any) { s.p.CompareAndSwap(nil, &p) }

// reraise panics with what a callback raised, if anything.
func (s *panics) reraise() {
	if s.p.Load() == nil {
		return
	}
	if p := s.p.Swap(nil); p != nil {
		panic(*p)
	}
}
