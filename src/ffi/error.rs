//! Errors handed to C: a status code plus an optional detailed error the
//! caller owns and frees with `v8r_error_free`.

use std::ffi::{c_char, CString};
use std::sync::Arc;

use super::object::{self, v8r_object};
use crate::error::{Error, Status};
use crate::Runtime;

/// Details of a failed call. Owned by the caller; free with
/// `v8r_error_free`. All strings are NUL-terminated UTF-8 owned by the
/// error; `message` is never NULL, `stack` and `resource_name` may be.
#[repr(C)]
pub struct v8r_error {
    /// The same value the call returned.
    pub kind: Status,
    /// Human-readable description, e.g. "Uncaught TypeError: x is not a function".
    pub message: *mut c_char,
    /// The JS stack (`error.stack`) when the exception was an Error, else NULL.
    pub stack: *mut c_char,
    /// Script name the error points into, or NULL.
    pub resource_name: *mut c_char,
    /// 1-based line of the error, 0 when unknown.
    pub line: u32,
    /// 1-based column of the error, 0 when unknown.
    pub column: u32,
    /// The thrown value's constructor name ("TypeError", a class name)
    /// when it was an object, else NULL.
    pub name: *mut c_char,
    /// The thrown value itself, live, when it was an object (else NULL).
    /// Owned by the error (`v8r_object_dup` it to keep it); a host
    /// function can rethrow it as it is (see `v8r_host_fn`).
    pub exception: *mut v8r_object,
    /// The host's tag of the thrown Error or of an Error in its `cause`
    /// chain (see `v8r_host_fn`), 0 for none.
    pub host_tag: u64,
}

/// A CString of `s`; interior NULs (impossible in C text) become U+FFFD.
pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

fn opt(s: Option<String>) -> *mut c_char {
    s.map(|s| cstring(&s).into_raw()).unwrap_or(std::ptr::null_mut())
}

/// A handle to an exception, when its runtime is a shared one (C's).
fn exception_handle(e: &Error) -> *mut v8r_object {
    let Some(obj) = &e.exception else {
        return std::ptr::null_mut();
    };
    match obj.owner().and_then(|o| o.downcast::<Runtime>().ok()) {
        Some(runtime) => object::new_handle(&Arc::downgrade(&runtime), obj.clone()),
        None => std::ptr::null_mut(),
    }
}

pub(crate) fn into_raw(e: Error) -> *mut v8r_error {
    let exception = exception_handle(&e);
    let e = e.into_data();
    Box::into_raw(Box::new(v8r_error {
        kind: e.kind,
        message: cstring(&e.message).into_raw(),
        stack: opt(e.stack),
        resource_name: opt(e.resource_name),
        line: e.line,
        column: e.column,
        name: opt(e.name),
        exception,
        host_tag: e.host_tag,
    }))
}

/// Free an error returned through an `err` out-parameter, with its strings.
/// NULL is a no-op. Any thread. Must not be called twice on one error.
#[no_mangle]
pub extern "C" fn v8r_error_free(err: *mut v8r_error) {
    if err.is_null() {
        return;
    }
    super::guarded((), || {
        // SAFETY: `err` came from `into_raw` and is freed once (documented).
        let e = unsafe { Box::from_raw(err) };
        object::release(e.exception);
        for p in [e.message, e.stack, e.resource_name, e.name] {
            if !p.is_null() {
                // SAFETY: each string came from CString::into_raw.
                drop(unsafe { CString::from_raw(p) });
            }
        }
    });
}

/// A static, NUL-terminated name for a status ("ok", "syntax error", ...);
/// unknown numbers give "unknown status". Never free it. Any thread.
#[no_mangle]
pub extern "C" fn v8r_status_name(status: u32) -> *const c_char {
    super::guarded(c"unknown status".as_ptr(), || match Status::from_u32(status) {
        Some(s) => s.c_name().as_ptr(),
        None => c"unknown status".as_ptr(),
    })
}
