//! V8's code cache in the C ABI: compile a script once, save the cache,
//! and load it later (this runtime, another one, a later run of the same
//! build) without compiling again.

use std::cell::Cell;
use std::ffi::c_char;

use super::error::v8r_error;
use super::object::objects;
use super::runtime::{lookup, v8r_runtime};
use super::value::{clear_result, store_result, v8r_value};
use super::{boundary, bytes, c_text, text, write_out};
use crate::error::{Error, Status};
use crate::isolate::CodeCache;

/// Compile the classic script `src` (`len` bytes of UTF-8, named
/// `resource_name` as for `v8r_runtime_eval`) without running it, and store
/// V8's code cache for it in `*out` (`*out_len` bytes, from malloc: free()
/// it). A syntax error gives V8R_STATUS_SYNTAX_ERROR. Threads: as
/// `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_code_cache(
    rt: *mut v8r_runtime,
    src: *const u8,
    len: usize,
    resource_name: *const c_char,
    out: *mut *mut u8,
    out_len: *mut usize,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        write_out(out_len, 0, "out_len")?;
        let runtime = lookup(rt)?;
        let source = text(src, len, "script")?;
        let name = c_text(resource_name, "resource_name")?.unwrap_or("");
        let cache = runtime.code_cache(source, name)?;
        give_bytes(&cache, out, out_len)
    })
}

/// Hand `bytes` to C as a malloc'd copy in `*out`, `*out_len` (both
/// checked writable by the caller).
pub(crate) fn give_bytes(bytes: &[u8], out: *mut *mut u8, out_len: *mut usize) -> Result<(), Error> {
    // SAFETY: malloc of the size copied; a NULL return is checked.
    let buf = unsafe { libc::malloc(bytes.len().max(1)) } as *mut u8;
    if buf.is_null() {
        return Err(Error::new(Status::OutOfMemory, "cannot allocate the code cache"));
    }
    // SAFETY: buf holds bytes.len() bytes; out and out_len are writable.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
        *out = buf;
        *out_len = bytes.len();
    }
    Ok(())
}

/// `v8r_runtime_eval_with`, compiling with code cache data (`cache_len`
/// bytes from `v8r_runtime_code_cache`). Data V8 cannot use (another
/// source, another V8 build or flags, corrupt bytes) is rejected and the
/// script compiles in full: `*cache_rejected` (may be NULL) says so.
#[no_mangle]
pub extern "C" fn v8r_runtime_eval_cached(
    rt: *mut v8r_runtime,
    src: *const u8,
    len: usize,
    resource_name: *const c_char,
    cache: *const u8,
    cache_len: usize,
    flags: u32,
    call_id: u64,
    result: *mut v8r_value,
    cache_rejected: *mut bool,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        if !cache_rejected.is_null() {
            // SAFETY: documented as NULL or writable.
            unsafe { *cache_rejected = false };
        }
        let runtime = lookup(rt)?;
        let source = text(src, len, "script")?;
        let name = c_text(resource_name, "resource_name")?.unwrap_or("");
        let data = bytes(cache, cache_len, "cache")?;
        let objects = objects(flags)?;
        let accepted = Cell::new(false);
        let code_cache = CodeCache {
            data,
            accepted: &accepted,
        };
        let value = runtime.eval_cached(source, name, Some(code_cache), call_id, objects);
        if !cache_rejected.is_null() {
            // SAFETY: as above.
            unsafe { *cache_rejected = !accepted.get() };
        }
        store_result(result, value?, &runtime)
    })
}
