package v8runner

/*
#include "trampoline.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
)

// AsyncHooks are Go functions called for the async resources of a runtime
// (after Node's async_hooks): Init when a resource is created (triggerID is
// the resource whose callback created it, 1 for top-level code), Before
// and After around each of its callbacks, Destroy when it is gone,
// PromiseResolve when a tracked promise resolves. Nil functions are not
// called (and cost nothing). Hooks run on the goroutine running the loop
// or call, and may call back into the runtime; resources created inside a
// hook fire no hooks. A panic in a hook is recovered and re-raised by the
// next Run.
type AsyncHooks struct {
	Init           func(id uint64, typ string, triggerID uint64)
	Before         func(id uint64)
	After          func(id uint64)
	Destroy        func(id uint64)
	PromiseResolve func(id uint64)
	// Types limits the hooks to resources of these types: "Timeout",
	// "Interval", "Immediate", "Microtask", "Work", "Notifier",
	// "HostPromise" (AsyncFunc calls) and "PROMISE". Empty means all.
	Types []string
}

// asyncTypes maps type names to their bits, as the library names them.
var asyncTypes = func() map[string]C.uint32_t {
	m := map[string]C.uint32_t{}
	for bit := C.uint32_t(1); bit <= C.V8R_ASYNC_TYPE_PROMISE; bit <<= 1 {
		if name := C.v8r_async_type_name(bit); name != nil {
			m[C.GoString(name)] = bit
		}
	}
	return m
}()

// AsyncHookSet is a set of hooks added by SetAsyncHooks. As in Node, an
// event goes to the sets enabled when it happens: a disabled set hears
// nothing, and a set enabled later also hears the callbacks of resources
// created before it. Ids stay exact meanwhile.
type AsyncHookSet struct {
	rt *Runtime
	id C.uint32_t
}

// asyncHookTarget is what a hook set's cgo.Handle refers to. It holds the
// runtime's panic slot, not the *Runtime: the handle is a GC root until the
// library frees the runtime, and must not keep a forgotten runtime alive.
type asyncHookTarget struct {
	hooks  AsyncHooks
	panics *panics
}

// SetAsyncHooks adds hooks to the runtime, enabled. Sets added from Go, C
// and JS (asyncHooks.createHook) coexist on one runtime.
func (r *Runtime) SetAsyncHooks(h AsyncHooks) (*AsyncHookSet, error) {
	var types C.uint32_t
	for _, t := range h.Types {
		bit, ok := asyncTypes[t]
		if !ok {
			return nil, fmt.Errorf("%w: unknown async resource type %q", ErrBadInput, t)
		}
		types |= bit
	}
	// The runtime frees the handle (finalizer) when it is freed itself.
	handle := cgo.NewHandle(&asyncHookTarget{hooks: h, panics: r.panics})
	var c C.v8r_async_hooks
	if h.Init != nil {
		c.init = (*[0]byte)(C.v8r_go_async_init)
	}
	if h.Before != nil {
		c.before = (*[0]byte)(C.v8r_go_async_before)
	}
	if h.After != nil {
		c.after = (*[0]byte)(C.v8r_go_async_after)
	}
	if h.Destroy != nil {
		c.destroy = (*[0]byte)(C.v8r_go_async_destroy)
	}
	if h.PromiseResolve != nil {
		c.promise_resolve = (*[0]byte)(C.v8r_go_async_resolve)
	}
	c.types = types
	c.data = C.v8r_go_handle(C.uintptr_t(handle))
	c.finalizer = C.v8r_finalizer_fn(C.v8r_go_release)
	var id C.uint32_t
	err := r.call(func(rh *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_async_hooks_add(rh, &c, &id, cerr)
	})
	if err != nil {
		handle.Delete()
		return nil, err
	}
	s := &AsyncHookSet{rt: r, id: id}
	if err := s.Enable(); err != nil {
		return nil, err
	}
	return s, nil
}

// Enable turns the set on (again).
func (s *AsyncHookSet) Enable() error { return s.enable(true) }

// Disable turns the set off: nothing is reported to it until Enable.
func (s *AsyncHookSet) Disable() error { return s.enable(false) }

func (s *AsyncHookSet) enable(on bool) error {
	return s.rt.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_async_hooks_enable(h, s.id, C.bool(on), cerr)
	})
}

// AsyncIDs returns the execution and trigger async ids of the callback
// running now (as executionAsyncId() and triggerAsyncId() in JS): call it
// from inside a Func, an after-callback or a hook. Outside any callback
// it returns (1, 0).
func (r *Runtime) AsyncIDs() (execution, trigger uint64) {
	h, err := r.ptr()
	if err != nil {
		return 0, 0
	}
	var e, t C.uint64_t
	status := C.v8r_async_ids(h, &e, &t)
	runtime.KeepAlive(r)
	if status != C.V8R_STATUS_OK {
		return 0, 0
	}
	return uint64(e), uint64(t)
}
