package v8runner

/*
#include <stdlib.h>
#include "trampoline.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Calls from Go into JS. The per-call cost is mostly fixed overhead, so a
// call makes one cgo call when nothing fails: arguments, result and error
// live in a pooled C frame (no Go memory for cgo to check, nothing for the
// GC), scalar arguments need no C allocation, and Call's function names
// are converted to C strings once per runtime.

// Call calls the global JS function fn with args (converted: nil → null,
// bool, numbers, string, []byte → Uint8Array, *big.Int → BigInt, time.Time
// → Date, Value as is, anything else through encoding/json) and returns
// its result. Microtasks run before it returns. Context handling as for
// Eval. To call the same function often, look it up once with Function.
func (r *Runtime) Call(ctx context.Context, fn string, args ...any) (Value, error) {
	name, owned, err := r.names.get(fn)
	if err != nil {
		return Value{}, err
	}
	if owned {
		defer C.free(unsafe.Pointer(name))
	}
	return r.invoke(ctx, nil, name, args)
}

// frame is one C v8r_go_frame; the pool frees it when the GC drops it.
type frame struct{ c *C.v8r_go_frame }

var frames = sync.Pool{New: func() any {
	f := &frame{c: (*C.v8r_go_frame)(C.calloc(1, C.sizeof_v8r_go_frame))}
	runtime.AddCleanup(f, func(c *C.v8r_go_frame) { C.free(unsafe.Pointer(c)) }, f.c)
	return f
}}

// invoke calls fn, or the global called name when fn is nil, with args.
func (r *Runtime) invoke(ctx context.Context, fn *C.v8r_function, name *C.char, args []any) (Value, error) {
	h, err := r.ptr()
	if err != nil {
		return Value{}, err
	}
	if err := ctx.Err(); err != nil {
		return Value{}, fmt.Errorf("%w: %w", ErrTerminated, err)
	}
	f := frames.Get().(*frame)
	defer frames.Put(f)
	argv := unsafe.Slice(&f.c.args[0], C.V8R_GO_FRAME_ARGS)
	if len(args) > len(argv) {
		big := (*C.v8r_value)(C.calloc(C.size_t(len(args)), C.sizeof_v8r_value))
		defer C.free(unsafe.Pointer(big))
		argv = unsafe.Slice(big, len(args))
	}
	argv = argv[:len(args)]
	if err := fillCValues(argv, args); err != nil {
		return Value{}, err
	}
	defer freeCValues(argv)
	defer runtime.KeepAlive(args) // objects are lent to the call
	var argp *C.v8r_value
	if len(argv) > 0 {
		argp = &argv[0]
	}
	id := callIDs.Add(1)
	stop := r.terminateOnDone(ctx, h, id)
	var status C.v8r_status
	if fn != nil {
		status = C.v8r_function_call(fn, argp, C.size_t(len(argv)), C.uint64_t(id), &f.c.result, &f.c.err)
	} else {
		status = C.v8r_runtime_call(h, name, argp, C.size_t(len(argv)), C.uint64_t(id), &f.c.result, &f.c.err)
	}
	stop()
	cerr := f.c.err
	f.c.err = nil
	if err := r.finish(status, cerr); err != nil {
		return Value{}, r.explain(ctx, err)
	}
	return r.valueFromC(&f.c.result), nil
}

// fillCValues converts args into argv (same length); on failure nothing
// is left to free.
func fillCValues(argv []C.v8r_value, args []any) error {
	for i, a := range args {
		v, err := cValue(a)
		if err != nil {
			freeCValues(argv[:i])
			return fmt.Errorf("argument %d: %w", i, err)
		}
		argv[i] = v
	}
	return nil
}

// cArgs converts args into C memory of their own (for calls that do not
// use a pooled frame); free releases it.
func cArgs(args []any) (argv []C.v8r_value, free func(), err error) {
	if len(args) == 0 {
		return nil, func() {}, nil
	}
	p := (*C.v8r_value)(C.calloc(C.size_t(len(args)), C.sizeof_v8r_value))
	argv = unsafe.Slice(p, len(args))
	if err := fillCValues(argv, args); err != nil {
		C.free(unsafe.Pointer(p))
		return nil, nil, err
	}
	return argv, func() {
		freeCValues(argv)
		C.free(unsafe.Pointer(p))
	}, nil
}

// maxCachedNames bounds the C copies of function names a runtime keeps.
const maxCachedNames = 256

// nameCache holds C copies of the names passed to Call, freed when the
// runtime is garbage collected (a call in flight keeps the runtime alive).
type nameCache struct {
	m sync.Map // string → *C.char
	n atomic.Int32
}

// get returns name as a C string; owned means the caller frees it (the
// cache is full). A name with a NUL byte cannot cross as a C string (it
// would be cut short and name something else): ErrBadInput.
func (c *nameCache) get(name string) (cname *C.char, owned bool, err error) {
	if p, ok := c.m.Load(name); ok {
		return p.(*C.char), false, nil
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, false, nulError(name)
	}
	cname = C.CString(name)
	if c.n.Add(1) > maxCachedNames {
		c.n.Add(-1)
		return cname, true, nil
	}
	if p, loaded := c.m.LoadOrStore(name, cname); loaded {
		c.n.Add(-1)
		C.free(unsafe.Pointer(cname))
		return p.(*C.char), false, nil
	}
	return cname, false, nil
}

// nulError refuses a name or key holding a NUL byte.
func nulError(s string) error {
	return fmt.Errorf("%w: %q holds a NUL byte", ErrBadInput, s)
}

// cString is C.CString for names and keys: one holding a NUL byte is
// ErrBadInput instead of a silently shorter name. The caller frees it.
func cString(s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, nulError(s)
	}
	return C.CString(s), nil
}

func (c *nameCache) free() {
	c.m.Range(func(_, p any) bool {
		C.free(unsafe.Pointer(p.(*C.char)))
		return true
	})
}
