// Package v8runner runs JavaScript in V8 from Go, over the v8runner C ABI
// (a Rust library on the v8 crate).
//
// Two ways in:
//
//   - [RunV8] is the classic one-shot call: it runs a script in a fresh
//     context and returns String(result). Any goroutine, any number at
//     once.
//   - A [Runtime] keeps an isolate and a context alive: globals persist
//     across [Runtime.Eval] calls.
//
// # Threads
//
// RunV8 borrows an isolate from a pool that holds at most one isolate per
// core (V8RUNNER_ISOLATES overrides). Go gives every blocked cgo call its
// own OS thread, so one isolate per thread would grow without bound;
// callers beyond the cap wait for an isolate, which costs no throughput
// since the work is CPU-bound.
//
// A Runtime may be used from any goroutine. Each call enters the isolate on
// the calling goroutine's own OS thread with a V8 Locker: about 0.3-0.5 µs
// per call on the machine we measured (V8 sets the thread's state up and
// frees it at each such lock), against 14-90 µs for handing each call
// to a goroutine locked to a dedicated thread (OS thread wake-ups). Calls
// to one Runtime are serialised; different Runtimes run in parallel.
//
// Inside [Runtime.Pin] the goroutine keeps the runtime's lock on its OS
// thread across a batch of calls, skipping the per-call Locker; a
// [Function] looked up once skips the lookup by name. Together they make a
// call about 2.4x cheaper.
//
// # Async hooks and context
//
// Every async resource of a runtime (timers, immediates, microtasks, pool
// work, notifiers, AsyncFunc promises, JS promises) has an async id and a
// trigger id. [Runtime.SetAsyncHooks] adds Go hooks, beside C hooks and JS
// ones (asyncHooks.createHook); [Runtime.AsyncIDs] names the resource
// whose callback runs. JS code gets AsyncLocalStorage, whose store follows
// every async hop, including awaits of AsyncFunc results.
//
// # Cancellation and errors
//
// A context deadline or cancel terminates the running script; the call
// returns an error matching both [ErrTerminated] and the context's error,
// and the runtime stays usable. Script errors are [*JSError] (%+v prints
// the JS stack). Reaching the heap limit returns [ErrHeapLimit] and closes
// that runtime; the process lives on.
//
// # Versions
//
// This is v8runner 0.1.0, on V8 15.2.124.1 (the v8 crate 152.2.0, with
// full ICU); [Version] and [V8Version] say what a binary runs.
//
// # Linking
//
// The package finds the library and header through pkg-config: it links
// the static library (pkg-config v8runner-static), so binaries need no
// LD_LIBRARY_PATH. In the repository, make writes build/pkgconfig and
// points PKG_CONFIG_PATH at it. Elsewhere, install it once and tell
// pkg-config where:
//
//	make install PREFIX=$HOME/.local   # in a v8runner checkout
//	export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig
//	go build ./...                     # in any module requiring this one
//
// (A prefix pkg-config searches already, such as /usr/local, needs no
// PKG_CONFIG_PATH.) Build with `-tags v8runner_shared` to link
// libv8runner.so instead.
package v8runner
