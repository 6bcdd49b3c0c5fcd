package v8runner

/*
#include <stdlib.h>
#include "trampoline.h"
*/
import "C"

import (
	"errors"
	"io"
	"time"
	"unsafe"
)

// Inspect serves the Chrome DevTools Protocol for the runtime on addr, a
// loopback address such as "127.0.0.1:9229" (port 0 picks a free one;
// other addresses are refused: whoever reaches the port can run any
// code). It returns the target's WebSocket URL; chrome://inspect finds
// the target through /json/list, and
// devtools://devtools/bundled/js_app.html?ws=<host:port/id> opens it.
// Breakpoints, stepping, scopes, console messages and exceptions reach
// DevTools; while a breakpoint holds a script, the goroutine running it
// serves DevTools. The server stops when the runtime is closed.
func (r *Runtime) Inspect(addr string) (string, error) {
	caddr, err := cString(addr)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(caddr))
	var url *C.char
	if err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_inspect(h, caddr, 0, &url, cerr)
	}); err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(url))
	return C.GoString(url), nil
}

// WaitForDebugger blocks until a DevTools client of the runtime (Inspect)
// sends Runtime.runIfWaitingForDebugger, which clients do once their
// breakpoints are set; the next script evaluated then pauses before its
// first statement (Node's --inspect-brk).
func (r *Runtime) WaitForDebugger() error {
	return r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_wait_for_debugger(h, cerr)
	})
}

// StartCPUProfile starts V8's sampling profiler on the runtime, one
// sample per interval (0: 1 ms). One profile at a time.
func (r *Runtime) StartCPUProfile(interval time.Duration) error {
	us := interval.Microseconds()
	if us < 0 || us > 1<<31 {
		return errors.New("v8runner: StartCPUProfile: interval out of range")
	}
	return r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_cpu_profile_start(h, C.uint32_t(us), cerr)
	})
}

// StopCPUProfile stops the profile and writes it to w as a .cpuprofile:
// the JSON that Chrome DevTools' Performance panel and speedscope open.
func (r *Runtime) StopCPUProfile(w io.Writer) error {
	if w == nil {
		return errors.New("v8runner: StopCPUProfile: nil writer")
	}
	return r.callWriting(w, func(h *C.v8r_runtime, write C.v8r_write_fn, data unsafe.Pointer, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_cpu_profile_stop(h, write, data, cerr)
	})
}
