//! The C ABI. Raw pointers live here and nowhere else. Every exported
//! function runs its body through [`boundary`], so a panic becomes
//! `V8R_STATUS_INTERNAL` and never unwinds into C.
//!
//! Exported functions are safe `extern "C"` fns although they take raw
//! pointers: C callers cannot see Rust's `unsafe`, the contract of each
//! pointer is in its doc comment (hence the header), and every pointer is
//! NULL-checked before use.
#![allow(non_camel_case_types, clippy::not_unsafe_ptr_arg_deref)]

pub mod async_hooks;
pub mod code_cache;
pub mod error;
pub mod foreign;
pub mod function;
pub mod handles;
pub mod host;
pub mod inspector;
pub mod module;
pub mod notifier;
pub mod object;
pub mod observe;
pub mod runtime;
pub mod runv8;
pub mod snapshot;
pub mod value;
pub mod version;
pub mod work;

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{panic_message, Error, Status};
use error::v8r_error;

// The panic boundary, in three shapes for the three kinds of export: a
// status (with an optional error out-parameter), a Result for the classic
// calls' own error handling, any other value with a fallback.

/// Run a body, a panic in it becoming a `V8R_STATUS_INTERNAL` error.
pub(crate) fn caught<T>(body: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| {
        Err(Error::new(
            Status::Internal,
            format!("panic in v8runner: {}", panic_message(&*p)),
        ))
    })
}

/// Run an exported function's body: catch panics, and report failures as a
/// status plus (when `err_out` is not NULL) a new `v8r_error`.
pub(crate) fn boundary(err_out: *mut *mut v8r_error, body: impl FnOnce() -> Result<(), Error>) -> Status {
    let outcome = caught(body);
    let status = match &outcome {
        Ok(()) => Status::Ok,
        Err(e) => e.kind,
    };
    if !err_out.is_null() {
        let out = match outcome {
            Ok(()) => std::ptr::null_mut(),
            Err(e) => error::into_raw(e),
        };
        // SAFETY: the caller passes NULL or a writable pointer (documented).
        unsafe { *err_out = out };
    }
    status
}

/// For exports that return no status (a count, a pointer, nothing): a
/// panic gives `fallback` instead of unwinding into C.
pub(crate) fn guarded<R>(fallback: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Borrow `(ptr, len)` as bytes; NULL is allowed only with len 0.
pub(crate) fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::bad_input(format!("{what} is NULL with length {len}")))
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::bad_input(format!("{what} length {len} is not a valid size")));
    }
    // SAFETY: caller guarantees `len` readable bytes at `ptr` for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrow `(ptr, len)` as UTF-8 text.
pub(crate) fn text<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a str, Error> {
    let b = bytes(ptr, len, what)?;
    std::str::from_utf8(b)
        .map_err(|e| Error::bad_input(format!("{what} is not valid UTF-8 (at byte {})", e.valid_up_to())))
}

/// Borrow a NUL-terminated string; NULL gives `None`.
pub(crate) fn c_text<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: caller passes a NUL-terminated string valid for the call.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str()
        .map(Some)
        .map_err(|e| Error::bad_input(format!("{what} is not valid UTF-8 (at byte {})", e.valid_up_to())))
}

/// Copy `s` into a new NUL-terminated buffer from the C allocator, so that
/// `free()` releases it. Interior NULs are kept; `len` excludes the final NUL.
pub(crate) fn malloc_string(s: &[u8]) -> Result<*mut c_char, Error> {
    // SAFETY: plain allocation; checked for NULL below.
    let p = unsafe { libc::malloc(s.len() + 1) } as *mut u8;
    if p.is_null() {
        return Err(Error::new(Status::Internal, "out of memory"));
    }
    // SAFETY: p has s.len() + 1 writable bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        *p.add(s.len()) = 0;
    }
    Ok(p as *mut c_char)
}

/// `bytes` plus a final NUL as a buffer C releases with `free()`. Moved, not
/// copied, when the vector has room for the NUL: the crate uses the
/// system allocator (no `#[global_allocator]`), whose byte buffers are
/// malloc's, so `free()` is their release.
pub(crate) fn into_c_buffer(mut bytes: Vec<u8>) -> Result<*mut c_char, Error> {
    if bytes.capacity() == bytes.len() {
        return malloc_string(&bytes); // growing would copy anyway
    }
    bytes.push(0);
    let mut bytes = std::mem::ManuallyDrop::new(bytes);
    Ok(bytes.as_mut_ptr() as *mut c_char)
}

/// Write through an out-pointer, checking for NULL.
pub(crate) fn write_out<T>(out: *mut T, value: T, what: &str) -> Result<(), Error> {
    if out.is_null() {
        return Err(Error::bad_input(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and documented as writable.
    unsafe { out.write(value) };
    Ok(())
}
