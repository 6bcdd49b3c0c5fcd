package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// oneshotSlots admits as many RunV8 calls into C as the isolate pool holds.
var oneshotSlots = sync.OnceValue(func() chan struct{} {
	_, capacity := oneshotPool()
	return make(chan struct{}, max(capacity, 1))
})

// RunV8 runs script in a fresh context and returns String(result), like
// the classic C call runv8. Safe from any number of goroutines at once:
// each call has a pooled isolate to itself, and nothing one call defines is
// visible to another. Script errors are *JSError; an empty script is
// ErrBadInput.
func RunV8(script string) (string, error) {
	// Wait for a pooled isolate here, in Go, where a waiting goroutine
	// costs no OS thread; waiting inside C would pin one thread each.
	slots := oneshotSlots()
	slots <- struct{}{}
	defer func() { <-slots }()
	var out *C.char
	var outLen C.size_t
	var cerr *C.v8r_error
	src := unsafe.StringData(script)
	status := C.v8r_runv8((*C.uint8_t)(unsafe.Pointer(src)), C.size_t(len(script)), &out, &outLen, &cerr)
	runtime.KeepAlive(script)
	if err := statusError(status, cerr); err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoStringN(out, C.int(outLen)), nil
}

// oneshotPool reports the live isolates of RunV8's pool and its cap.
func oneshotPool() (live, capacity int) {
	var l, c C.size_t
	C.v8r_runv8_pool_stats(&l, &c)
	return int(l), int(c)
}
