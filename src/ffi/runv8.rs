//! The classic one-shot calls: `runv8`, its length-aware variant, and the
//! rich `v8r_runv8` (status + error struct, for callers such as Go whose
//! threads change between calls and so cannot use `v8r_last_error`).

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::time::Duration;

use super::error::{cstring, v8r_error};
use super::{boundary, bytes, caught, guarded, malloc_string, write_out};
use crate::error::{Error, Status};
use crate::runv8;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(e: Option<&Error>) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = e.map(|e| cstring(&format!("{}: {}", e.kind.name(), e))));
}

/// Validate classic-call input: UTF-8, no NUL, not empty.
fn classic_source(src: &[u8]) -> Result<&str, Error> {
    if src.is_empty() {
        return Err(Error::bad_input("empty script"));
    }
    if let Some(at) = src.iter().position(|&b| b == 0) {
        return Err(Error::bad_input(format!("script contains a NUL byte at offset {at}")));
    }
    std::str::from_utf8(src)
        .map_err(|e| Error::bad_input(format!("script is not valid UTF-8 (at byte {})", e.valid_up_to())))
}

fn classic(src: Result<&[u8], Error>, out_len: *mut usize) -> *mut c_char {
    let result = caught(|| {
        let source = classic_source(src?)?;
        let text = runv8::run_to_string(source)?;
        Ok((malloc_string(text.as_bytes())?, text.len()))
    });
    match result {
        Ok((ptr, len)) => {
            set_last_error(None);
            if !out_len.is_null() {
                // SAFETY: documented as NULL or writable.
                unsafe { *out_len = len };
            }
            ptr
        }
        Err(e) => {
            set_last_error(Some(&e));
            std::ptr::null_mut()
        }
    }
}

/// Run `jssrc` (a NUL-terminated UTF-8 script) and return its completion
/// value converted to a string, as `String(value)` does in JS.
///
/// Returns a new NUL-terminated string from the C allocator: release it
/// with `free()`. Returns NULL on error (syntax error, exception, NULL or
/// empty or non-UTF-8 input); `v8r_last_error()` then says why.
///
/// Any thread, any number at once. Each call runs in a fresh context on a
/// pooled isolate no other thread is using, so globals never leak between
/// calls.
#[no_mangle]
pub extern "C" fn runv8(jssrc: *const c_char) -> *mut c_char {
    let src = if jssrc.is_null() {
        Err(Error::bad_input("script is NULL"))
    } else {
        // SAFETY: documented as a NUL-terminated string.
        Ok(unsafe { std::ffi::CStr::from_ptr(jssrc) }.to_bytes())
    };
    classic(src, std::ptr::null_mut())
}

/// `runv8` for a script given as `len` bytes at `src` (no NUL terminator
/// needed). Empty input, a NUL byte inside the script or invalid UTF-8 give
/// NULL and a message in `v8r_last_error()`.
///
/// Returns a new string from the C allocator (release with `free()`), or
/// NULL on error. When `out_len` is not NULL it receives the length of the
/// result in bytes, not counting the terminating NUL (the result itself may
/// contain NULs). Any thread.
#[no_mangle]
pub extern "C" fn runv8_len(src: *const u8, len: usize, out_len: *mut usize) -> *mut c_char {
    classic(bytes(src, len, "script"), out_len)
}

/// Describes why the last `runv8`/`runv8_len` on this thread returned
/// NULL ("syntax error: runv8:1:5: SyntaxError: ..."), or NULL if it
/// succeeded. Thread-local, like `dlerror`. The string belongs to the
/// library and stays valid until the next `runv8`/`runv8_len` call on this
/// thread; do not free it.
#[no_mangle]
pub extern "C" fn v8r_last_error() -> *const c_char {
    guarded(std::ptr::null(), || {
        LAST_ERROR.with(|slot| slot.borrow().as_ref().map(|s| s.as_ptr()).unwrap_or(std::ptr::null()))
    })
}

/// The one-shot call with the rich error model: run `len` bytes at `src` in
/// a fresh context on a pooled isolate and store `String(result)` in
/// `*out` (a new buffer from the C allocator, NUL-terminated, release with
/// `free()`) and its length in `*out_len` (may be NULL).
///
/// On failure returns the status, leaves `*out` NULL and, when `err` is not
/// NULL, stores a new error in `*err` (release with `v8r_error_free`).
/// Uses no thread-local state. Any thread, any number at once.
#[no_mangle]
pub extern "C" fn v8r_runv8(
    src: *const u8,
    len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut v8r_error,
) -> Status {
    v8r_runv8_with(src, len, std::ptr::null(), out, out_len, err)
}

/// Limits of one `v8r_runv8_with` call. Zero-initialise and set what you
/// need.
#[repr(C)]
pub struct v8r_runv8_options {
    /// Stop the call after this many milliseconds, waiting for a pooled
    /// isolate included; it then returns V8R_STATUS_TIMEOUT. 0: the process
    /// default (`v8r_runv8_set_timeout`).
    pub timeout_ms: u64,
    /// Non-zero: `v8r_runv8_terminate(call_id)` stops this call (it
    /// returns V8R_STATUS_TERMINATED). Unique in the process.
    pub call_id: u64,
}

fn limits(opts: *const v8r_runv8_options) -> runv8::Limits {
    // SAFETY: NULL or a readable options struct (documented).
    let Some(o) = (unsafe { opts.as_ref() }) else {
        return runv8::Limits::default();
    };
    runv8::Limits {
        timeout: (o.timeout_ms > 0).then(|| Duration::from_millis(o.timeout_ms)),
        call_id: o.call_id,
    }
}

/// `v8r_runv8` with limits (`opts` may be NULL: the defaults). A script
/// that runs out of time, or that waits for a pooled isolate that long
/// (every isolate busy), returns V8R_STATUS_TIMEOUT; the pool is then free
/// for other calls at once. Any thread, any number at once.
#[no_mangle]
pub extern "C" fn v8r_runv8_with(
    src: *const u8,
    len: usize,
    opts: *const v8r_runv8_options,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let source = classic_source(bytes(src, len, "script")?)?;
        let text = runv8::run_with(source, limits(opts))?;
        let ptr = malloc_string(text.as_bytes())?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = ptr };
        if !out_len.is_null() {
            // SAFETY: documented as NULL or writable.
            unsafe { *out_len = text.len() };
        }
        Ok(())
    })
}

/// Stop the one-shot call made with this non-zero `call_id`: at once if
/// it runs or waits for an isolate, or as soon as it starts. Never another
/// call. Any thread, any time.
#[no_mangle]
pub extern "C" fn v8r_runv8_terminate(call_id: u64) -> Status {
    boundary(std::ptr::null_mut(), || {
        runv8::terminate(call_id);
        Ok(())
    })
}

/// Set the timeout of every one-shot call that gives none (`runv8`,
/// `runv8_len`, `v8r_runv8`, `v8r_runv8_with` without `timeout_ms`), in
/// milliseconds; 0: no limit (the default, unless the environment variable
/// `V8RUNNER_RUNV8_TIMEOUT_MS` sets one). With it, a runaway script
/// cannot keep a pooled isolate: it fails with a timeout. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runv8_set_timeout(timeout_ms: u64) -> Status {
    boundary(std::ptr::null_mut(), || {
        runv8::set_default_timeout((timeout_ms > 0).then(|| Duration::from_millis(timeout_ms)));
        Ok(())
    })
}

/// How many isolates the one-shot pool holds now (`*live`, idle or in use)
/// and at most (`*capacity`: the number of cores, or `V8RUNNER_ISOLATES`).
/// Either pointer may be NULL. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runv8_pool_stats(live: *mut usize, capacity: *mut usize) {
    guarded((), || {
        if !live.is_null() {
            // SAFETY: documented as NULL or writable.
            unsafe { *live = runv8::pool_live() };
        }
        if !capacity.is_null() {
            // SAFETY: as above.
            unsafe { *capacity = runv8::pool_capacity() };
        }
    });
}
