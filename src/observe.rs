//! Observability of a runtime's heap: statistics cheap enough to poll, and
//! heap snapshots (the `.heapsnapshot` JSON that Chrome DevTools opens)
//! streamed to a writer as V8 produces them.

use crate::error::{Error, Status};
use crate::isolate::Vm;

/// A runtime's heap, as V8 counts it (`v8r_runtime_heap_stats`). Bytes,
/// unless named otherwise.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes of live and not yet collected objects.
    pub used: u64,
    /// Bytes V8 reserved for the heap (`used` and free space in its pages).
    pub total: u64,
    /// The most the heap may grow to (the runtime's heap limit, or V8's).
    pub limit: u64,
    /// Bytes of the heap that are resident in memory.
    pub physical: u64,
    /// Bytes the heap may still grow by before its limit.
    pub available: u64,
    /// Memory outside the heap that V8 accounts to it (ArrayBuffers among it).
    pub external: u64,
    /// Memory V8 allocated with malloc for itself (compilers, parsers).
    pub malloced: u64,
    /// Bytes the runtime's ArrayBuffers, typed arrays and SharedArrayBuffers
    /// hold now (counted by its allocator, exactly).
    pub array_buffers: u64,
    /// Live native contexts (1 per runtime, plus realms).
    pub native_contexts: u64,
    /// Contexts released but not yet collected (a leak when it grows).
    pub detached_contexts: u64,
}

/// The statistics of `isolate`'s heap. No allocation, no collection.
pub(crate) fn heap_stats(isolate: &mut v8::Isolate, vm: &Vm) -> HeapStats {
    let s = isolate.get_heap_statistics();
    HeapStats {
        used: s.used_heap_size() as u64,
        total: s.total_heap_size() as u64,
        limit: s.heap_size_limit() as u64,
        physical: s.total_physical_size() as u64,
        available: s.total_available_size() as u64,
        external: s.external_memory() as u64,
        malloced: s.malloced_memory() as u64,
        array_buffers: vm.array_buffer_bytes() as u64,
        native_contexts: s.number_of_native_contexts() as u64,
        detached_contexts: s.number_of_detached_contexts() as u64,
    }
}

/// A writer's verdict on a chunk: keep going, or stop with this error.
pub type ChunkResult = Result<(), String>;

/// Write a heap snapshot of `isolate` to `write`, chunk by chunk, as V8
/// serializes it (the snapshot is never built in memory as one string).
/// A writer's error stops it and is returned.
pub(crate) fn write_heap_snapshot(
    isolate: &mut v8::Isolate,
    mut write: impl FnMut(&[u8]) -> ChunkResult,
) -> Result<(), Error> {
    let mut failed = None;
    isolate.take_heap_snapshot(|chunk| match write(chunk) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    match failed {
        Some(e) => Err(Error::new(Status::Exception, format!("writing the heap snapshot: {e}"))),
        None => Ok(()),
    }
}
