package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"runtime"
	"unsafe"
)

// CodeCache compiles script (named as EvalNamed names it) without running
// it and returns V8's code cache for it: save the bytes, and a later
// EvalCached of the same source (in any runtime of this build, in this
// process or a later one) skips compiling. A syntax error is a *JSError.
func (r *Runtime) CodeCache(script, name string) ([]byte, error) {
	var cname *C.char
	if name != "" {
		var err error
		if cname, err = cString(name); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cname))
	}
	var out *C.uint8_t
	var n C.size_t
	src := unsafe.StringData(script)
	err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_code_cache(h, (*C.uint8_t)(unsafe.Pointer(src)), C.size_t(len(script)), cname, &out, &n, cerr)
	})
	runtime.KeepAlive(script)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

// EvalCached is EvalNamed compiling with cache from CodeCache. Cache data
// V8 cannot use (another source, another V8 build or flags, corrupt or
// truncated bytes) is rejected: the script then compiles in full and
// still runs, and rejected reports it (so the caller can refresh its
// cache). A source this runtime compiled before is served from V8's own
// in-memory cache, with rejected false.
func (r *Runtime) EvalCached(ctx context.Context, script, name string, cache []byte) (v Value, rejected bool, err error) {
	var cname *C.char
	if name != "" {
		if cname, err = cString(name); err != nil {
			return Value{}, false, err
		}
		defer C.free(unsafe.Pointer(cname))
	}
	// The cache is read during the call only: pass C memory, not Go's.
	var cp unsafe.Pointer
	if len(cache) > 0 {
		cp = C.CBytes(cache)
		defer C.free(cp)
	}
	var out C.v8r_value
	var crej C.bool
	src := unsafe.StringData(script)
	err = r.callWithID(ctx, func(h *C.v8r_runtime, id C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_eval_cached(h, (*C.uint8_t)(unsafe.Pointer(src)), C.size_t(len(script)), cname,
			(*C.uint8_t)(cp), C.size_t(len(cache)), 0, id, &out, &crej, cerr)
	})
	runtime.KeepAlive(script)
	if err != nil {
		return Value{}, bool(crej), err
	}
	return r.valueFromC(&out), bool(crej), nil
}
