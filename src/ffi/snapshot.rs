//! Startup snapshots in the C ABI: make one from a runtime created with
//! `V8R_RUNTIME_FOR_SNAPSHOT`, save its bytes, load them (this process or
//! a later one of the same build) and create runtimes from it
//! (`v8r_runtime_options.snapshot`).

use once_cell::sync::Lazy;

use super::error::v8r_error;
use super::handles::{HandleKind, HandleTable};
use super::runtime::{lookup, remove, v8r_runtime};
use super::{boundary, guarded, write_out};
use crate::error::{Error, Status};
use crate::runtime::Runtime;
use crate::snapshot::Snapshot;

/// An opaque snapshot handle: checked bytes of a runtime's heap. Any
/// thread; any number of runtimes may be created from one at once.
pub struct v8r_snapshot {
    _opaque: [u8; 0],
}

static SNAPSHOTS: Lazy<HandleTable<Snapshot>> = Lazy::new(|| HandleTable::new(HandleKind::Snapshot));

/// The snapshot behind a handle (NULL: none).
pub(crate) fn lookup_snapshot(s: *const v8r_snapshot) -> Result<Option<std::sync::Arc<Snapshot>>, Error> {
    if s.is_null() {
        return Ok(None);
    }
    SNAPSHOTS.lookup(s as *mut v8r_snapshot).map(Some)
}

/// Turn `rt` (created with V8R_RUNTIME_FOR_SNAPSHOT, after its bootstrap
/// code ran) into a snapshot in `*out`: its globals, functions (with
/// their compiled code) and environment, for `v8r_runtime_options.snapshot`.
/// Host functions are kept by name: a runtime created from the snapshot
/// binds them when it registers the same names (calling one before throws
/// an Error naming it).
///
/// On success `rt` is freed, as by `v8r_runtime_free` (values and
/// functions held from it fail with V8R_STATUS_CLOSED). Refused with
/// V8R_STATUS_BAD_INPUT, `rt` unchanged, when it holds what a snapshot
/// cannot: pending timers or immediates, open notifiers, work in flight,
/// unsettled host promises, ES modules, async hook sets, live Intl objects
/// (V8 keeps their ICU memory outside the heap); or when it was not
/// created for a snapshot. Threads: as `v8r_runtime_free`.
#[no_mangle]
pub extern "C" fn v8r_runtime_snapshot(
    rt: *mut v8r_runtime,
    out: *mut *mut v8r_snapshot,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        runtime.check_thread()?;
        runtime.prepare_snapshot()?;
        drop(runtime);
        let runtime = remove(rt)?;
        let snapshot = Runtime::finish_snapshot(runtime)?;
        let id = SNAPSHOTS.insert(snapshot);
        // SAFETY: checked writable above.
        unsafe { *out = id as *mut v8r_snapshot };
        Ok(())
    })
}

/// Load snapshot bytes (from `v8r_snapshot_data`, copied) into `*out`.
/// Refused with V8R_STATUS_BAD_INPUT, never a crash: bytes that are not a
/// snapshot, damaged ones (checksums), and ones made by another build of
/// v8runner or V8 or with other V8 flags (`V8RUNNER_FLAGS`). Any thread.
#[no_mangle]
pub extern "C" fn v8r_snapshot_load(
    bytes: *const u8,
    len: usize,
    out: *mut *mut v8r_snapshot,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        if bytes.is_null() && len > 0 {
            return Err(Error::bad_input("bytes is NULL"));
        }
        let data: &[u8] = if len == 0 {
            &[]
        } else {
            // SAFETY: `len` readable bytes at `bytes` (documented).
            unsafe { std::slice::from_raw_parts(bytes, len) }
        };
        let snapshot = Snapshot::from_bytes(data)?;
        let id = SNAPSHOTS.insert_arc(snapshot);
        // SAFETY: checked writable above.
        unsafe { *out = id as *mut v8r_snapshot };
        Ok(())
    })
}

/// The snapshot's bytes, to store and give to `v8r_snapshot_load` later:
/// `*data` (`*len` bytes) stays valid until the snapshot is freed. Any
/// thread.
#[no_mangle]
pub extern "C" fn v8r_snapshot_data(s: *const v8r_snapshot, data: *mut *const u8, len: *mut usize) -> Status {
    boundary(std::ptr::null_mut(), || {
        write_out(data, std::ptr::null(), "data")?;
        write_out(len, 0, "len")?;
        let snapshot = lookup_snapshot(s)?.ok_or_else(|| Error::bad_input("snapshot is NULL"))?;
        let bytes = snapshot.bytes();
        // SAFETY: both checked writable; the bytes live as long as the
        // table's reference, which only `v8r_snapshot_free` drops.
        unsafe {
            *data = bytes.as_ptr();
            *len = bytes.len();
        }
        Ok(())
    })
}

/// Release a snapshot. Runtimes created from it keep what they need. NULL
/// is a no-op. Any thread.
#[no_mangle]
pub extern "C" fn v8r_snapshot_free(s: *mut v8r_snapshot) {
    if !s.is_null() {
        guarded((), || drop(SNAPSHOTS.remove(s)));
    }
}

/// Number of live snapshot handles (for leak checks in tests). Any thread.
#[no_mangle]
pub extern "C" fn v8r_snapshot_count() -> usize {
    guarded(0, || SNAPSHOTS.len())
}
