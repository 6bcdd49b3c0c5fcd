package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
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
// ErrBadInput. The process-wide timeout (SetRunV8Timeout), if any, applies;
// RunV8Context takes a context.
func RunV8(script string) (string, error) {
	return RunV8Context(context.Background(), script)
}

// RunV8Context is RunV8 stopped by ctx: when ctx ends, while the script runs
// or while it waits for a pooled isolate, the call returns an error that
// matches ErrTerminated and ctx.Err(), and the isolate is free at once for
// other calls.
func RunV8Context(ctx context.Context, script string) (string, error) {
	// Wait for a pooled isolate here, in Go, where a waiting goroutine
	// costs no OS thread; waiting inside C would pin one thread each.
	slots := oneshotSlots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("%w: %w", ErrTerminated, ctx.Err())
	}
	defer func() { <-slots }()
	var opts C.v8r_runv8_options
	if deadline, ok := ctx.Deadline(); ok {
		ms := time.Until(deadline).Milliseconds() + 1
		opts.timeout_ms = C.uint64_t(max(ms, 1))
	}
	id := callIDs.Add(1)
	opts.call_id = C.uint64_t(id)
	stop := func() bool { return false }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { C.v8r_runv8_terminate(C.uint64_t(id)) })
	}
	var out *C.char
	var outLen C.size_t
	var cerr *C.v8r_error
	src := unsafe.StringData(script)
	status := C.v8r_runv8_with((*C.uint8_t)(unsafe.Pointer(src)), C.size_t(len(script)), &opts, &out, &outLen, &cerr)
	runtime.KeepAlive(script)
	stop()
	if err := statusError(status, cerr); err != nil {
		if errors.Is(err, ErrTerminated) || errors.Is(err, ErrTimeout) {
			if cerr := ctx.Err(); cerr != nil {
				return "", fmt.Errorf("%w: %w", ErrTerminated, cerr)
			}
			// The library's timer can beat the context's own by a moment.
			if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
				return "", fmt.Errorf("%w: %w", ErrTerminated, context.DeadlineExceeded)
			}
		}
		return "", err
	}
	defer C.free(unsafe.Pointer(out))
	return goString(out, outLen), nil
}

// SetRunV8Timeout sets the time limit of every RunV8 call (0: none, the
// default unless V8RUNNER_RUNV8_TIMEOUT_MS sets one); a script that runs
// past it fails with ErrTimeout, so a runaway script cannot keep a pooled
// isolate. RunV8Context's deadline wins where it is earlier.
func SetRunV8Timeout(d time.Duration) {
	C.v8r_runv8_set_timeout(C.uint64_t(d.Milliseconds()))
}

// oneshotPool reports the live isolates of RunV8's pool and its cap.
func oneshotPool() (live, capacity int) {
	var l, c C.size_t
	C.v8r_runv8_pool_stats(&l, &c)
	return int(l), int(c)
}
