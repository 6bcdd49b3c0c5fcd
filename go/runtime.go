package v8runner

/*
#include <stdlib.h>
#include "trampoline.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Option configures NewRuntime.
type Option func(*options)

type options struct {
	heapLimit   uint64
	initialHeap uint64
	bufferLimit uint64
	name        string
	console     io.Writer
	onError     func(error)
	modules     fs.FS
	imports     map[string]string
	moduleCache string
	noWebAPIs   bool
	consoleFunc func(ConsoleLevel, string)
	snapshot    *Snapshot
	forSnapshot bool
}

// ConsoleLevel says which console method printed a line.
type ConsoleLevel int

// Console levels, as console.log, debug, info, warn and error (the C
// library's v8r_console_level numbers).
const (
	LevelLog   ConsoleLevel = C.V8R_CONSOLE_LEVEL_LOG
	LevelDebug ConsoleLevel = C.V8R_CONSOLE_LEVEL_DEBUG
	LevelInfo  ConsoleLevel = C.V8R_CONSOLE_LEVEL_INFO
	LevelWarn  ConsoleLevel = C.V8R_CONSOLE_LEVEL_WARN
	LevelError ConsoleLevel = C.V8R_CONSOLE_LEVEL_ERROR
)

// WithConsole sends console.* output to w, one line per call (default:
// os.Stderr). Writes are serialised.
func WithConsole(w io.Writer) Option { return func(o *options) { o.console = w } }

// WithConsoleFunc hands each console.* call to fn with its level (log,
// debug, info, warn, error; console.table and friends print at log level,
// console.assert and trace at error, console.count at info) instead of a
// writer, so a host can route warnings and errors apart. Calls are
// serialised; fn runs on the runtime's thread and must not block long.
func WithConsoleFunc(fn func(level ConsoleLevel, line string)) Option {
	return func(o *options) { o.consoleFunc = fn }
}

// WithErrorHandler receives errors no script caught: exceptions thrown by
// timer, notifier or work callbacks and promises rejected with no handler
// (default: printed to the console). Run still returns the first one.
func WithErrorHandler(fn func(error)) Option { return func(o *options) { o.onError = fn } }

// sinks is what the console and error callbacks' cgo.Handle refers to.
type sinks struct {
	mu      sync.Mutex
	w       io.Writer
	fn      func(ConsoleLevel, string)
	onError func(error)
}

func (s *sinks) console(level ConsoleLevel, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fn != nil {
		s.fn(level, text)
		return
	}
	fmt.Fprintln(s.w, text)
}

// WithHeapLimit caps the runtime's JS heap at bytes (at least 1 MiB).
// Reaching it stops the script with ErrHeapLimit and closes the runtime;
// the process is unaffected. Unless WithArrayBufferLimit says otherwise,
// ArrayBuffer memory is capped at the same number of bytes.
func WithHeapLimit(bytes uint64) Option { return func(o *options) { o.heapLimit = bytes } }

// WithArrayBufferLimit caps the bytes the runtime's ArrayBuffers, typed
// arrays and SharedArrayBuffers hold at once (they live outside the JS
// heap); past it, allocating one throws a RangeError in JS and the runtime
// goes on. Default: the heap limit, when there is one. WebAssembly
// memories are not counted (V8 caps each one).
func WithArrayBufferLimit(bytes uint64) Option { return func(o *options) { o.bufferLimit = bytes } }

// WithInitialHeap sets the runtime's initial JS heap size in bytes.
func WithInitialHeap(bytes uint64) Option { return func(o *options) { o.initialHeap = bytes } }

// WithName names the runtime in error messages and as the default script
// name in stacks.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithoutWebAPIs makes a bare runtime: ECMAScript with timers, console
// and async hooks, without the web platform's globals (TextEncoder,
// TextDecoder, atob, btoa, structuredClone, DOMException, performance,
// crypto, Event, EventTarget, CustomEvent, AbortController, AbortSignal,
// URL, URLSearchParams).
func WithoutWebAPIs() Option { return func(o *options) { o.noWebAPIs = true } }

// Runtime is one V8 isolate and context whose globals persist across
// calls. Safe for concurrent use by many goroutines (calls are
// serialised). Close it when done; a finalizer frees a forgotten one.
type Runtime struct {
	handle[*C.v8r_runtime] // an opaque handle value, never a real address
	// ctx is handed to AsyncFunc functions and cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc
	// panics carries a panic of a Go hook or work after-callback to the
	// end of the call during which it ran.
	panics *panics
	// names caches Call's function names as C strings.
	names *nameCache
	// callContexts maps the id of each call in progress to its context,
	// for FuncWith callbacks (kept only once one is registered).
	wantsCallContext atomic.Bool
	callContexts     sync.Map
	// modLoader is the WithModules loader, if any (module.go).
	modLoader *moduleLoader
	// wraps holds the Go values wrapped for JS (bind.go).
	wraps wraps
	// helpers are Bind's JS helpers, made once.
	bindOnce   sync.Once
	helpers    *Object
	helpersErr error
}

// callIDs numbers calls so a context cancel terminates its own call only.
var callIDs atomic.Uint64

// NewRuntime creates a runtime.
func NewRuntime(opts ...Option) (*Runtime, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var copts C.v8r_runtime_options
	C.v8r_runtime_options_init(&copts)
	copts.heap_limit = C.uint64_t(o.heapLimit)
	copts.initial_heap = C.uint64_t(o.initialHeap)
	copts.array_buffer_limit = C.uint64_t(o.bufferLimit)
	copts.flags = C.V8R_RUNTIME_ANY_THREAD
	if o.noWebAPIs {
		copts.flags |= C.V8R_RUNTIME_NO_WEB_APIS
	}
	if o.forSnapshot {
		copts.flags |= C.V8R_RUNTIME_FOR_SNAPSHOT
	}
	snapshot, err := o.snapshotPtr()
	if err != nil {
		return nil, err
	}
	copts.snapshot = snapshot
	if o.console == nil {
		o.console = os.Stderr
	}
	// The sinks live until the library's finalizer says the runtime is gone.
	sinkHandle := cgo.NewHandle(&sinks{w: o.console, fn: o.consoleFunc, onError: o.onError})
	copts.console = C.v8r_console_fn(C.v8r_go_console)
	copts.console_data = C.v8r_go_handle(C.uintptr_t(sinkHandle))
	if o.onError != nil {
		copts.on_error = C.v8r_error_fn(C.v8r_go_error)
		copts.on_error_data = C.v8r_go_handle(C.uintptr_t(sinkHandle))
	}
	copts.finalizer = C.v8r_finalizer_fn(C.v8r_go_release)
	copts.finalizer_data = C.v8r_go_handle(C.uintptr_t(sinkHandle))
	if o.name != "" {
		cname := C.CString(o.name)
		defer C.free(unsafe.Pointer(cname))
		copts.name = cname
	}
	var h *C.v8r_runtime
	var cerr *C.v8r_error
	status := C.v8r_runtime_new(&copts, &h, &cerr)
	runtime.KeepAlive(o.snapshot)
	if err := statusError(status, cerr); err != nil {
		sinkHandle.Delete()
		return nil, err
	}
	r := &Runtime{panics: new(panics)}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	// Safety net only: the cleanup frees the handle from the cleanup
	// goroutine, which any-thread runtimes allow.
	adopt(r, &r.handle, h, freeRuntime)
	r.names = new(nameCache)
	runtime.AddCleanup(r, (*nameCache).free, r.names)
	if o.modules != nil {
		if err := r.setModules(o.modules, o.imports, o.moduleCache); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

// Eval runs script in the runtime's context and returns its completion
// value. Globals it defines stay for later calls. If ctx ends first the
// script is terminated: the error matches ErrTerminated and ctx.Err(), and
// the runtime stays usable.
//
// Plain data comes back copied (JSON for objects and arrays); a Promise
// comes back live (await it with Value.Await), and so does a result JSON
// cannot copy (a cycle). A promise rejection the script leaves unhandled
// once its microtasks ran is Eval's error, a *JSError "Uncaught (in
// promise) ..." (Node's default makes it the process's error).
func (r *Runtime) Eval(ctx context.Context, script string) (Value, error) {
	return r.EvalNamed(ctx, script, "")
}

// EvalNamed is Eval with a script name for stacks and error locations.
func (r *Runtime) EvalNamed(ctx context.Context, script, name string) (Value, error) {
	return r.eval(ctx, script, name, false)
}

// eval evaluates script; objects: an object result comes back live.
func (r *Runtime) eval(ctx context.Context, script, name string, objects bool) (Value, error) {
	var cname *C.char
	if name != "" {
		var err error
		if cname, err = cString(name); err != nil {
			return Value{}, err
		}
		defer C.free(unsafe.Pointer(cname))
	}
	var out C.v8r_value
	src := unsafe.StringData(script)
	err := r.callWithID(ctx, func(h *C.v8r_runtime, id C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_eval_with(h, (*C.uint8_t)(unsafe.Pointer(src)), C.size_t(len(script)), cname, objectFlags(objects), id, &out, cerr)
	})
	runtime.KeepAlive(script)
	if err != nil {
		return Value{}, err
	}
	return r.valueFromC(&out), nil
}

// callWithID makes C call c as a call of the runtime with an id of its
// own: ErrClosed after Close, an ended ctx refused at once and otherwise
// stopping the call when it ends, then finish and explain.
func (r *Runtime) callWithID(ctx context.Context, c func(h *C.v8r_runtime, id C.uint64_t, cerr **C.v8r_error) C.v8r_status) error {
	h, err := r.ptr()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrTerminated, err)
	}
	id := callIDs.Add(1)
	stop := r.terminateOnDone(ctx, h, id)
	var cerr *C.v8r_error
	status := c(h, C.uint64_t(id), &cerr)
	stop()
	if err := r.finish(status, cerr); err != nil {
		return r.explain(ctx, err)
	}
	return nil
}

// finish ends every C call the runtime makes (one place, after
// wasmtime-go's enterWasm): it keeps the runtime alive up to here,
// re-raises a panic that a Go callback raised during the call (now that C
// has returned), and turns the status into an error (freeing cerr).
func (r *Runtime) finish(status C.v8r_status, cerr *C.v8r_error) error {
	runtime.KeepAlive(r)
	r.panics.reraise()
	return statusErrorOf(r, status, cerr)
}

// call makes a C call c on the runtime's handle with an error
// out-parameter: ErrClosed after Close, then finish.
func (r *Runtime) call(c func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status) error {
	h, err := r.ptr()
	if err != nil {
		return err
	}
	var cerr *C.v8r_error
	return r.finish(c(h, &cerr), cerr)
}

func freeRuntime(h *C.v8r_runtime) { C.v8r_runtime_free(h) }

// liveRuntimes is how many runtimes the library holds (for leak tests).
func liveRuntimes() int { return int(C.v8r_runtime_count()) }

// terminateOnDone arranges for call id to be terminated when ctx ends;
// the returned func disarms it.
// It also records ctx as the context of call id, for FuncWith callbacks.
func (r *Runtime) terminateOnDone(ctx context.Context, h *C.v8r_runtime, id uint64) func() {
	recorded := r.wantsCallContext.Load()
	if recorded {
		r.callContexts.Store(id, ctx)
	}
	if ctx.Done() == nil {
		if recorded {
			return func() { r.callContexts.Delete(id) }
		}
		return func() {}
	}
	stop := context.AfterFunc(ctx, func() {
		C.v8r_runtime_terminate_call(h, C.uint64_t(id))
		runtime.KeepAlive(r)
	})
	return func() {
		stop()
		if recorded {
			r.callContexts.Delete(id)
		}
	}
}

// callContext is the context of the call running the current callback
// (see CallInfo.Context).
func (r *Runtime) callContext() context.Context {
	if h, err := r.ptr(); err == nil {
		if ctx, ok := r.callContexts.Load(uint64(C.v8r_runtime_current_call(h))); ok {
			return ctx.(context.Context)
		}
	}
	return r.ctx
}

// explain adds the context's error to a termination it caused, and maps a
// closed handle to ErrClosed.
func (r *Runtime) explain(ctx context.Context, err error) error {
	if errors.Is(err, ErrTerminated) {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%w: %w", ErrTerminated, cerr)
		}
		if r.handle.closed.Load() {
			return fmt.Errorf("%w: %w", ErrClosed, err)
		}
	}
	return err
}

// Terminate stops the script running now, if any (its call returns
// ErrTerminated). Safe from any goroutine.
func (r *Runtime) Terminate() {
	if h, err := r.ptr(); err == nil {
		C.v8r_runtime_terminate(h)
		runtime.KeepAlive(r)
	}
}

// Close frees the runtime. A script still running in another goroutine is
// terminated, and that call returns ErrClosed. Idempotent; later calls
// return ErrClosed.
func (r *Runtime) Close() error {
	r.close(func(h *C.v8r_runtime) {
		r.cancel()
		freeRuntime(h)
	})
	runtime.KeepAlive(r)
	return nil
}
