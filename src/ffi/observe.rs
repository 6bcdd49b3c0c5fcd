//! Observability in the C ABI: heap statistics of a runtime (and of the
//! one-shot pool), and heap snapshots streamed to a writer callback.

use std::ffi::c_void;

use super::error::v8r_error;
use super::foreign::UserData;
use super::runtime::{lookup, v8r_runtime};
use super::{boundary, guarded};
use crate::error::{Error, Status};
use crate::observe::{ChunkResult, HeapStats};

/// A heap's statistics (`v8r_runtime_heap_stats`). Bytes unless named
/// otherwise.
#[repr(C)]
#[derive(Default)]
pub struct v8r_heap_stats {
    /// Live and not yet collected objects.
    pub used: u64,
    /// Reserved for the heap: `used` plus free space in its pages.
    pub total: u64,
    /// The most the heap may grow to (the runtime's heap limit, or V8's).
    pub limit: u64,
    /// Of the heap, resident in memory.
    pub physical: u64,
    /// What the heap may still grow by before its limit.
    pub available: u64,
    /// Outside the heap and accounted to it by V8 (ArrayBuffers among it).
    pub external: u64,
    /// Allocated with malloc by V8 for itself (compilers, parsers).
    pub malloced: u64,
    /// Held now by the runtime's ArrayBuffers, typed arrays and
    /// SharedArrayBuffers (counted exactly, by its allocator).
    pub array_buffers: u64,
    /// Live native contexts (1 per runtime).
    pub native_contexts: u64,
    /// Contexts released but not collected yet (a leak when it grows).
    pub detached_contexts: u64,
}

impl From<HeapStats> for v8r_heap_stats {
    fn from(s: HeapStats) -> v8r_heap_stats {
        v8r_heap_stats {
            used: s.used,
            total: s.total,
            limit: s.limit,
            physical: s.physical,
            available: s.available,
            external: s.external,
            malloced: s.malloced,
            array_buffers: s.array_buffers,
            native_contexts: s.native_contexts,
            detached_contexts: s.detached_contexts,
        }
    }
}

/// Fill `*out` with `rt`'s heap statistics now: no allocation, no garbage
/// collection, cheap enough to poll. Threads: as `v8r_runtime_eval`; also
/// from inside a callback of `rt`.
#[no_mangle]
pub extern "C" fn v8r_runtime_heap_stats(
    rt: *mut v8r_runtime,
    out: *mut v8r_heap_stats,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        if out.is_null() {
            return Err(Error::bad_input("out is NULL"));
        }
        let stats = lookup(rt)?.heap_stats()?;
        // SAFETY: checked non-NULL; documented writable.
        unsafe { out.write(stats.into()) };
        Ok(())
    })
}

/// The one-shot pool's heap statistics: the sum over its idle isolates
/// (one in use by a call is left out) in `*out`, and how many were counted
/// in `*counted` (may be NULL). `out` may be NULL. Any thread.
#[no_mangle]
pub extern "C" fn v8r_runv8_pool_heap_stats(out: *mut v8r_heap_stats, counted: *mut usize) {
    guarded((), || {
        let (stats, n) = crate::runv8::pool_heap_stats();
        if !out.is_null() {
            // SAFETY: documented as NULL or writable.
            unsafe { out.write(stats.into()) };
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
