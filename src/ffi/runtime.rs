//! Runtimes in the C ABI: create, evaluate, terminate, free.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use once_cell::sync::Lazy;

use super::error::{self, cstring, v8r_error, v8r_error_free};
use super::foreign::{v8r_finalizer_fn, ForeignData, UserData};
use super::handles::{HandleKind, HandleTable};
use super::snapshot::{lookup_snapshot, v8r_snapshot};
use super::value::{clear_result, store_result, v8r_value, values_from_c};
use super::{boundary, c_text, guarded, text, write_out};
use crate::error::{Error, Status};
use crate::event_loop::RunMode;
use crate::isolate::HeapLimits;
use crate::runtime::{Runtime, RuntimeOptions};
use crate::{ConsoleLevel, ConsoleSink, ErrorSink};

/// An opaque runtime handle: one isolate + context + (later) event loop.
/// Never dereference it; it is validated on every call.
pub struct v8r_runtime {
    _opaque: [u8; 0],
}

/// `flags` bit: any thread may call this runtime (one call at a time),
/// not only the thread that created it.
pub const V8R_RUNTIME_ANY_THREAD: u32 = 1;
/// `flags` bit: a bare runtime, without the web platform's globals
/// (TextEncoder/TextDecoder, atob/btoa, structuredClone, DOMException,
/// performance, crypto, Event/EventTarget/CustomEvent,
/// AbortController/AbortSignal, URL/URLSearchParams): ECMAScript with
/// timers, console and async hooks only.
pub const V8R_RUNTIME_NO_WEB_APIS: u32 = 2;
/// `flags` bit: a runtime to turn into a snapshot (`v8r_runtime_snapshot`)
/// once its bootstrap code ran. It starts from the built-in environment;
/// while it lives, V8 itself leaves out WebAssembly and SharedArrayBuffer
/// (runtimes created from the snapshot have them) and makes no code caches,
/// and exceptions of its microtasks are not reported to the error sink.
pub const V8R_RUNTIME_FOR_SNAPSHOT: u32 = 4;
const KNOWN_FLAGS: u32 = V8R_RUNTIME_ANY_THREAD | V8R_RUNTIME_NO_WEB_APIS | V8R_RUNTIME_FOR_SNAPSHOT;

/// Options for `v8r_runtime_new`. Zero-initialise (or call
/// `v8r_runtime_options_init`) and set what you need; zero means default.
#[repr(C)]
pub struct v8r_runtime_options {
    /// Maximum JS heap in bytes (0: V8's default). Reaching it stops the
    /// script with V8R_STATUS_HEAP_LIMIT and closes the runtime. Also the
    /// default `array_buffer_limit`.
    pub heap_limit: u64,
    /// Initial JS heap in bytes (0: V8's default).
    pub initial_heap: u64,
    /// NUL-terminated UTF-8 name for messages (NULL: "v8runner"); copied.
    pub name: *const c_char,
    /// Bit set of V8R_RUNTIME_* flags.
    pub flags: u32,
    /// Receives `console.*` output (NULL: written to stderr). Called on the
    /// thread running the script, during the call; `text` is valid only
    /// then. The callback may call back into this runtime.
    pub console: v8r_console_fn,
    pub console_data: *mut c_void,
    /// Receives uncaught exceptions of loop callbacks and unhandled promise
    /// rejections (NULL: printed through the console sink at error level).
    /// `err` is valid during the call only; do not free it.
    pub on_error: v8r_error_fn,
    pub on_error_data: *mut c_void,
    /// Called once with `finalizer_data` when the runtime is finally
    /// disposed, after its last console or error callback: release what the
    /// sinks' data points to here. NULL: nothing to release.
    pub finalizer: v8r_finalizer_fn,
    pub finalizer_data: *mut c_void,
    /// The most bytes the runtime's ArrayBuffers, typed arrays and
    /// SharedArrayBuffers may hold at once (they live outside the JS heap);
    /// past it, allocating one throws a RangeError in JS. 0: `heap_limit`
    /// (no limit when that is 0 too). WebAssembly memories are not counted:
    /// V8 caps each one (`--wasm-max-mem-pages`, process-wide).
    pub array_buffer_limit: u64,
    /// Start from this snapshot (`v8r_runtime_snapshot`, `v8r_snapshot_load`)
    /// instead of the built-in environment: its globals, functions and
    /// environment (web APIs as its creator had them; the
    /// V8R_RUNTIME_NO_WEB_APIS flag does not apply). NULL: none. The
    /// runtime keeps what it needs: the snapshot may be freed after.
    pub snapshot: *const v8r_snapshot,
}

/// Console sink: `text` is UTF-8 of `len` bytes, NUL-terminated. May be NULL.
pub type v8r_console_fn =
    Option<extern "C" fn(data: *mut c_void, level: ConsoleLevel, text: *const c_char, len: usize)>;
/// Error sink for errors nobody caught; see `v8r_runtime_options.on_error`.
/// May be NULL.
pub type v8r_error_fn = Option<extern "C" fn(data: *mut c_void, err: *const v8r_error)>;
type ConsoleFn = extern "C" fn(*mut c_void, ConsoleLevel, *const c_char, usize);
type ErrorFn = extern "C" fn(*mut c_void, *const v8r_error);

fn console_sink(f: ConsoleFn, data: UserData) -> ConsoleSink {
    Arc::new(move |level, text| {
        let text = cstring(text);
        let data = data;
        f(data.0, level, text.as_ptr(), text.as_bytes().len());
    })
}

fn error_sink(f: ErrorFn, data: UserData) -> ErrorSink {
    Arc::new(move |err| {
        let raw = error::into_raw(err.clone());
        let data = data;
        f(data.0, raw);
        v8r_error_free(raw);
    })
}

static RUNTIMES: Lazy<HandleTable<Runtime>> = Lazy::new(|| HandleTable::new(HandleKind::Runtime));

/// The runtime behind a handle, held for the call (free waits for it).
pub(crate) fn lookup(rt: *mut v8r_runtime) -> Result<Arc<Runtime>, Error> {
    RUNTIMES.lookup(rt)
}

/// Take the runtime out of its table (the handle is then gone). Whoever
/// removes the handle frees; a racing second free gets CLOSED.
pub(crate) fn remove(rt: *mut v8r_runtime) -> Result<Arc<Runtime>, Error> {
    RUNTIMES
        .remove(rt)
        .ok_or_else(|| Error::new(Status::Closed, "runtime already freed"))
}

/// Number of live runtime handles (for leak checks in tests). Any thread.
#[no_mangle]
pub extern "C" fn v8r_runtime_count() -> usize {
    guarded(0, || RUNTIMES.len())
}

/// Fill `opts` with the defaults (all zero). NULL is a no-op. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runtime_options_init(opts: *mut v8r_runtime_options) {
    if !opts.is_null() {
        // SAFETY: non-NULL, documented as writable.
        unsafe {
            opts.write(v8r_runtime_options {
                heap_limit: 0,
                initial_heap: 0,
                name: std::ptr::null(),
                flags: 0,
                console: None,
                console_data: std::ptr::null_mut(),
                on_error: None,
                on_error_data: std::ptr::null_mut(),
                finalizer: None,
                finalizer_data: std::ptr::null_mut(),
                array_buffer_limit: 0,
                snapshot: std::ptr::null(),
            })
        };
    }
}

/// Create a runtime; store its handle in `*out` (the caller owns it and
/// frees it with `v8r_runtime_free`). `opts` may be NULL for defaults; it
/// is read during the call only.
///
/// The calling thread becomes the owner (see "Thread safety"); pass
/// V8R_RUNTIME_ANY_THREAD to allow every thread. On failure `*out` is NULL.
#[no_mangle]
pub extern "C" fn v8r_runtime_new(
    opts: *const v8r_runtime_options,
    out: *mut *mut v8r_runtime,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let mut options = RuntimeOptions::default();
        // SAFETY: NULL or a readable options struct (documented).
        if let Some(o) = unsafe { opts.as_ref() } {
            if o.flags & !KNOWN_FLAGS != 0 {
                return Err(Error::bad_input(format!(
                    "unknown runtime flags 0x{:x}",
                    o.flags & !KNOWN_FLAGS
                )));
            }
            let to_usize =
                |n: u64, what: &str| usize::try_from(n).map_err(|_| Error::bad_input(format!("{what} too large")));
            options.heap = HeapLimits {
                initial_bytes: to_usize(o.initial_heap, "initial_heap")?,
                max_bytes: to_usize(o.heap_limit, "heap_limit")?,
                array_buffer_bytes: to_usize(o.array_buffer_limit, "array_buffer_limit")?,
            };
            if o.heap_limit > 0 && o.heap_limit < 1 << 20 {
                return Err(Error::bad_input("heap_limit below 1 MiB is too small for V8"));
            }
            options.name = c_text(o.name, "name")?.unwrap_or_default().to_owned();
            options.any_thread = o.flags & V8R_RUNTIME_ANY_THREAD != 0;
            options.bare = o.flags & V8R_RUNTIME_NO_WEB_APIS != 0;
            options.for_snapshot = o.flags & V8R_RUNTIME_FOR_SNAPSHOT != 0;
            options.snapshot = lookup_snapshot(o.snapshot)?;
            options.console = o.console.map(|f| console_sink(f, UserData(o.console_data)));
            options.on_error = o.on_error.map(|f| error_sink(f, UserData(o.on_error_data)));
        }
        // SAFETY: as above.
        let finalizer = unsafe { opts.as_ref() }.map(|o| (o.finalizer_data, o.finalizer));
        let runtime = Runtime::new_shared(options)?;
        if let Some((data, finalizer @ Some(_))) = finalizer {
            runtime.keep_until_drop(Box::new(ForeignData::armed(data, finalizer)));
        }
        let id = RUNTIMES.insert_arc(runtime);
        // SAFETY: checked non-NULL above.
        unsafe { *out = id as *mut v8r_runtime };
        Ok(())
    })
}

/// Evaluate `len` bytes of UTF-8 script at `src` in the runtime's context
/// (globals persist across calls). `resource_name` (NUL-terminated, may be
/// NULL) names the script in stacks and error locations.
///
/// On success, when `result` is not NULL, fills the caller's `*result`
/// (release its buffer with `v8r_value_release`). On failure `*result` is
/// undefined, the status says what happened and `*err` (if not NULL) gets
/// the details: syntax error, exception (with stack, line, column),
/// terminated, heap limit (the runtime is then closed), closed, wrong
/// thread or bad input.
///
/// `call_id` is 0, or a number the caller picks (unique per runtime) so that
/// `v8r_runtime_terminate_call(rt, call_id)` can stop this call from
/// another thread without any risk of stopping a later one.
///
/// Threads: the owner thread, or any thread with V8R_RUNTIME_ANY_THREAD.
#[no_mangle]
pub extern "C" fn v8r_runtime_eval(
    rt: *mut v8r_runtime,
    src: *const u8,
    len: usize,
    resource_name: *const c_char,
    call_id: u64,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let runtime = lookup(rt)?;
        let source = text(src, len, "script")?;
        let name = c_text(resource_name, "resource_name")?.unwrap_or("");
        store_result(result, runtime.eval(source, name, call_id)?, &runtime)
    })
}

/// Call the global function `name` (NUL-terminated) with copies of
/// `args[0..argc]`; store its result in `*result` (may be NULL; release with
/// `v8r_value_release`). Microtasks run before it returns. Errors as for
/// `v8r_runtime_eval` (a missing function is an EXCEPTION, TypeError).
/// `call_id` as for `v8r_runtime_eval`.
///
/// Threads: the owner thread (or any, with V8R_RUNTIME_ANY_THREAD), also
/// from inside a callback of this runtime.
#[no_mangle]
pub extern "C" fn v8r_runtime_call(
    rt: *mut v8r_runtime,
    name: *const c_char,
    args: *const v8r_value,
    argc: usize,
    call_id: u64,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let runtime = lookup(rt)?;
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        let argv = values_from_c(args, argc)?;
        store_result(result, runtime.call(name, argv, call_id)?, &runtime)
    })
}

/// Run the event loop on this thread, like `uv_run`: timers, immediates,
/// work completions and notifier deliveries run here, each followed by a
/// microtask checkpoint. `mode`: 0 DEFAULT (until nothing referenced is
/// pending), 1 ONCE (run what is due, else wait for one event), 2 NOWAIT
/// (never wait). Waiting costs no CPU.
///
/// `*alive` (may be NULL) says whether referenced work remains. A callback
/// that throws, or a promise rejected with no handler, is reported to the
/// error sink at once and the loop goes on; the run then returns
/// V8R_STATUS_EXCEPTION with the first such error in `*err`. Terminate (or
/// `terminate_call` with `call_id`) stops the run with
/// V8R_STATUS_TERMINATED, even while it waits.
///
/// Threads: the owner thread (or any, with V8R_RUNTIME_ANY_THREAD), not
/// from inside a callback of this runtime, one loop at a time.
#[no_mangle]
pub extern "C" fn v8r_runtime_run(
    rt: *mut v8r_runtime,
    mode: u32,
    call_id: u64,
    alive: *mut bool,
    err: *mut *mut v8r_error,
) -> Status {
    if !alive.is_null() {
        // SAFETY: documented as NULL or writable.
        unsafe { *alive = false };
    }
    boundary(err, || {
        let runtime = lookup(rt)?;
        let mode = RunMode::from_u32(mode).ok_or_else(|| Error::bad_input(format!("unknown run mode {mode}")))?;
        let outcome = runtime.run(mode, call_id)?;
        if !alive.is_null() {
            // SAFETY: as above.
            unsafe { *alive = outcome.alive };
        }
        outcome.error.map_or(Ok(()), Err)
    })
}

/// How many times the loop was woken from another thread so far. Many
/// sends between two loop turns coalesce into one wake-up. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runtime_wakeups(rt: *mut v8r_runtime) -> u64 {
    guarded(0, || lookup(rt).map(|r| r.wakeups()).unwrap_or(0))
}

/// Stop the script the runtime is running, if any; the interrupted call
/// returns V8R_STATUS_TERMINATED and the runtime stays usable. A no-op when
/// nothing runs. Any thread, any time.
#[no_mangle]
pub extern "C" fn v8r_runtime_terminate(rt: *mut v8r_runtime) -> Status {
    boundary(std::ptr::null_mut(), || {
        lookup(rt)?.terminate();
        Ok(())
    })
}

/// Pin the runtime to the calling thread: its lock stays held until
/// `v8r_runtime_unpin` on the same thread, so the calls in between skip the
/// per-call lock (the fast path for many small calls). Other threads'
/// calls wait meanwhile; `v8r_runtime_run` is refused on a pinned thread.
/// Pins nest (innermost first). Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_pin(rt: *mut v8r_runtime) -> Status {
    boundary(std::ptr::null_mut(), || lookup(rt)?.pin())
}

/// Undo `v8r_runtime_pin` on the thread that pinned. V8R_STATUS_WRONG_THREAD
/// if this runtime is not pinned on this thread. On a freed handle it
/// releases whatever this thread still has pinned (a free on another
/// thread waits for that) and returns V8R_STATUS_OK.
#[no_mangle]
pub extern "C" fn v8r_runtime_unpin(rt: *mut v8r_runtime) -> Status {
    boundary(std::ptr::null_mut(), || match lookup(rt) {
        Ok(runtime) => runtime.unpin(),
        Err(e) if e.kind == Status::Closed => {
            crate::runtime::Runtime::unpin_any();
            Ok(())
        }
        Err(e) => Err(e),
    })
}

/// Stop the call started with this non-zero `call_id`: at once if it is
/// running, or as soon as it starts; it then returns
/// V8R_STATUS_TERMINATED. Other calls are never affected. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runtime_terminate_call(rt: *mut v8r_runtime, call_id: u64) -> Status {
    boundary(std::ptr::null_mut(), || {
        lookup(rt)?.terminate_call(call_id);
        Ok(())
    })
}

/// Inside a callback of `rt` (a host function, timer, notifier...): the
/// `call_id` of the innermost call with an id that is running it (the
/// eval, call or run that led here), so a host can find what it passed
/// with that call (a deadline, a request). 0 when there is none, or for
/// a bad handle. Meaningful on the thread running the callback.
#[no_mangle]
pub extern "C" fn v8r_runtime_current_call(rt: *mut v8r_runtime) -> u64 {
    lookup(rt).map(|r| r.current_call_id()).unwrap_or(0)
}

/// Free a runtime and everything in it. NULL is a no-op (V8R_STATUS_OK); a
/// freed handle gives V8R_STATUS_CLOSED.
///
/// No call starts once free begins: calls waiting for their turn return
/// V8R_STATUS_CLOSED, a script running on another thread (any-thread mode)
/// is terminated, and free waits until every call that was inside the
/// runtime has returned (a pin held by another thread: until it unpins).
/// Then, on the freeing thread and before free returns, every pending
/// work after-callback runs with V8R_STATUS_CANCELED, notifier and host
/// finalizers run, the runtime's finalizer runs and the isolate is
/// disposed: once free returns, no callback of this runtime runs again.
///
/// From inside a callback of this runtime, free closes it at once and the
/// teardown runs when the outermost call on this thread returns.
///
/// Threads: the owner thread, or any thread with V8R_RUNTIME_ANY_THREAD.
#[no_mangle]
pub extern "C" fn v8r_runtime_free(rt: *mut v8r_runtime) -> Status {
    if rt.is_null() {
        return Status::Ok;
    }
    boundary(std::ptr::null_mut(), || {
        lookup(rt)?.check_thread()?;
        Runtime::dispose(remove(rt)?);
        Ok(())
    })
}

/// For hosts whose callback is about to leave the C stack without
/// returning into the library (Go's `runtime.Goexit` called inside a host
/// function unwinds through the library's frames; so does a `longjmp` out of
/// a callback). The frames being abandoned hold a runtime's lock and V8
/// state that refers to them, so that runtime can never run again: every
/// runtime this thread is inside is closed at once (calls, including those
/// waiting for their turn, return V8R_STATUS_CLOSED; `v8r_runtime_free`
/// returns without waiting for the abandoned call and runs the finalizers),
/// and its isolate's memory is leaked. The thread must not call into
/// v8runner again (Go's package retires it). Returns how many runtimes this
/// thread was inside. Call it from the callback itself, before leaving.
#[no_mangle]
pub extern "C" fn v8r_thread_abandon() -> usize {
    guarded(0, crate::entry::abandon_thread)
}
