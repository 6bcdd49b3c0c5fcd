//! Observability in the C ABI: heap statistics of a runtime (and of the
//! one-shot pool), and heap snapshots streamed to a writer callback.

use std::ffi::c_void;

use super::error::v8r_error;
use super::foreign::UserData;
use super::runtime::{lookup, v8r_runtime};
use super::{boundary, guarded};
use crate::error::{Error, Status};
use crate::observe::{ChunkResult, HeapStats};

/// Fill `*out` with `rt`'s heap statistics now: no allocation, no garbage
/// collection, cheap enough to poll. Threads: as `v8r_runtime_eval`; also
/// from inside a callback of `rt`.
#[no_mangle]
pub extern "C" fn v8r_runtime_heap_stats(
    rt: *mut v8r_runtime,
    out: *mut HeapStats,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        if out.is_null() {
            return Err(Error::bad_input("out is NULL"));
        }
        let stats = lookup(rt)?.heap_stats()?;
        // SAFETY: checked non-NULL; documented writable.
        unsafe { out.write(stats) };
        Ok(())
    })
}

/// The one-shot pool's heap statistics: the sum over its idle isolates
/// (one in use by a call is left out) in `*out`, and how many were counted
/// in `*counted` (may be NULL). `out` may be NULL. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runv8_pool_heap_stats(out: *mut HeapStats, counted: *mut usize) {
    guarded((), || {
        let (stats, n) = crate::runv8::pool_heap_stats();
        if !out.is_null() {
            // SAFETY: documented as NULL or writable.
            unsafe { out.write(stats) };
        }
        if !counted.is_null() {
            // SAFETY: as above.
            unsafe { *counted = n };
        }
    });
}

/// Receives the chunks of a heap snapshot in order, each valid during the
/// call only; return false to stop (the call then fails with
/// V8R_STATUS_EXCEPTION).
pub type v8r_write_fn = Option<extern "C" fn(data: *mut c_void, chunk: *const u8, len: usize) -> bool>;

/// Write a heap snapshot of `rt` (the `.heapsnapshot` JSON that Chrome
/// DevTools' Memory panel loads) to `write`, chunk by chunk as V8 makes it:
/// the snapshot is never held in memory whole. V8 collects garbage first.
/// Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_heap_snapshot(
    rt: *mut v8r_runtime,
    write: v8r_write_fn,
    data: *mut c_void,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || lookup(rt)?.write_heap_snapshot(chunk_writer(write, data)?))
}

/// A C writer (`write`, `data`) as the chunk callback the library's
/// writers take; BAD_INPUT when `write` is NULL.
pub(crate) fn chunk_writer(write: v8r_write_fn, data: *mut c_void) -> Result<impl FnMut(&[u8]) -> ChunkResult, Error> {
    let write = write.ok_or_else(|| Error::bad_input("write is NULL"))?;
    let data = UserData(data);
    Ok(move |chunk: &[u8]| {
        let data = &data;
        if write(data.0, chunk.as_ptr(), chunk.len()) {
            Ok(())
        } else {
            Err("the writer stopped".to_string())
        }
    })
}
