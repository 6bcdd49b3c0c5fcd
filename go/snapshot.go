package v8runner

/*
#include <stdlib.h>
#include "trampoline.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Snapshot is a runtime's JS heap saved by V8: its globals, functions
// (with their compiled code) and environment. Runtimes created from it
// (WithSnapshot) start with all of that instead of running the bootstrap
// code again. Safe for concurrent use; any number of runtimes may be
// created from one at once. Close it when done (a finalizer frees a
// forgotten one); runtimes made from it keep what they need.
type Snapshot struct {
	handle[*C.v8r_snapshot]
}

// NewSnapshot creates a runtime for a snapshot (opts as for NewRuntime),
// runs setup on it to evaluate bootstrap code and register functions, and
// saves it. The runtime is closed afterwards.
//
// A snapshot keeps host functions (Func, FuncWith, AsyncFunc) by name: a
// runtime made from it binds them when it registers the same names, and
// calling one before that throws an Error naming it. It cannot hold what
// lives outside the heap: pending timers, open notifiers, work in flight,
// unsettled host promises, ES modules, async hook sets and live Intl
// objects make NewSnapshot fail with ErrBadInput and a message naming
// them; values held from the runtime are released with it; Go values given to
// Bind or Wrap must be bound again. While setup runs, V8 leaves out
// WebAssembly and SharedArrayBuffer (runtimes made from the snapshot have
// them) and makes no code caches.
func NewSnapshot(setup func(*Runtime) error, opts ...Option) (*Snapshot, error) {
	rt, err := NewRuntime(append(opts, forSnapshot())...)
	if err != nil {
		return nil, err
	}
	if setup != nil {
		if err := setup(rt); err != nil {
			rt.Close()
			return nil, err
		}
	}
	s, err := rt.snapshot()
	if err != nil {
		rt.Close()
		return nil, err
	}
	return s, nil
}

// snapshot turns the runtime into a snapshot; on success the library has
// freed the runtime, which is then closed.
func (r *Runtime) snapshot() (*Snapshot, error) {
	var out *C.v8r_snapshot
	if err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_snapshot(h, &out, cerr)
	}); err != nil {
		return nil, err
	}
	r.close(func(*C.v8r_runtime) { r.cancel() }) // the handle is gone already
	return newSnapshot(out), nil
}

func newSnapshot(p *C.v8r_snapshot) *Snapshot {
	s := new(Snapshot)
	adopt(s, &s.handle, p, freeSnapshot)
	return s
}

func freeSnapshot(p *C.v8r_snapshot) { C.v8r_snapshot_free(p) }

// LoadSnapshot checks and copies data (from Snapshot.Bytes, in this
// process or an earlier one). Refused with ErrBadInput, never a crash:
// bytes that are not a snapshot, damaged ones, and ones made by another
// build of v8runner or V8 or with other V8 flags.
func LoadSnapshot(data []byte) (*Snapshot, error) {
	var p *C.uint8_t
	if len(data) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	var out *C.v8r_snapshot
	var cerr *C.v8r_error
	status := C.v8r_snapshot_load(p, C.size_t(len(data)), &out, &cerr)
	runtime.KeepAlive(data)
	if err := statusError(status, cerr); err != nil {
		return nil, err
	}
	return newSnapshot(out), nil
}

// Bytes is a copy of the snapshot, to store and load later with
// LoadSnapshot.
func (s *Snapshot) Bytes() ([]byte, error) {
	p, err := s.ptr()
	if err != nil {
		return nil, err
	}
	var data *C.uint8_t
	var n C.size_t
	if status := C.v8r_snapshot_data(p, &data, &n); status != C.V8R_STATUS_OK {
		return nil, statusError(status, nil)
	}
	out := goBytes(unsafe.Pointer(data), n)
	runtime.KeepAlive(s)
	return out, nil
}

// Close frees the snapshot. Idempotent.
func (s *Snapshot) Close() error {
	s.close(freeSnapshot)
	return nil
}

// WithSnapshot starts the runtime from s instead of the built-in
// environment (WithoutWebAPIs then does not apply: web APIs are as s's
// runtime had them).
func WithSnapshot(s *Snapshot) Option { return func(o *options) { o.snapshot = s } }

// forSnapshot makes the runtime one NewSnapshot can save.
func forSnapshot() Option { return func(o *options) { o.forSnapshot = true } }

// snapshotPtr is the C snapshot of o, or an error if it was closed.
func (o *options) snapshotPtr() (*C.v8r_snapshot, error) {
	if o.snapshot == nil {
		return nil, nil
	}
	p, err := o.snapshot.ptr()
	if err != nil {
		return nil, fmt.Errorf("WithSnapshot: %w", err)
	}
	return p, nil
}
