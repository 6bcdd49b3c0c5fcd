//! The thread-pool work queue in the C ABI (after `uv_queue_work`).

use std::ffi::c_void;

use once_cell::sync::Lazy;

use super::error::v8r_error;
use super::foreign::UserData;
use super::handles::{HandleKind, HandleTable};
use super::runtime::{lookup, v8r_runtime};
use super::{boundary, guarded, write_out};
use crate::error::{Error, Status};
use crate::work::{self, WorkRequest};

/// An opaque work request handle, valid from `v8r_queue_work` until its
/// after-callback returns.
pub struct v8r_work {
    _opaque: [u8; 0],
}

/// Runs on a pool thread. Must not call into V8 or the runtime.
pub type v8r_work_fn = Option<extern "C" fn(data: *mut c_void)>;
/// Runs on the runtime's loop thread with V8R_STATUS_OK, or
/// V8R_STATUS_CANCELED when the work was canceled before it started (or the
/// runtime was freed first). May call into the runtime and queue more work.
pub type v8r_after_work_fn = Option<extern "C" fn(req: *mut v8r_work, status: Status, data: *mut c_void)>;

static REQUESTS: Lazy<HandleTable<WorkRequest>> = Lazy::new(|| HandleTable::new(HandleKind::Work));

/// Queue `work(data)` on the shared thread pool; later `after(req, status,
/// data)` runs on the runtime's thread during `v8r_runtime_run`, exactly
/// once. The request keeps the loop alive until then. An after-callback may
/// queue new work (the chunked pattern: one step per request).
///
/// Freeing the runtime with requests pending cancels the queued ones, waits
/// for running ones to return, and calls every after-callback with
/// V8R_STATUS_CANCELED on the freeing thread.
///
/// `*out_req` (may be NULL) receives the request, valid until its
/// after-callback returns. On failure no callback is ever called.
/// Threads: any.
#[no_mangle]
pub extern "C" fn v8r_queue_work(
    rt: *mut v8r_runtime,
    work: v8r_work_fn,
    after: v8r_after_work_fn,
    data: *mut c_void,
    out_req: *mut *mut v8r_work,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        if !out_req.is_null() {
            write_out(out_req, std::ptr::null_mut(), "out_req")?;
        }
        let (Some(work), Some(after)) = (work, after) else {
            return Err(Error::bad_input("work and after callbacks are required"));
        };
        let runtime = lookup(rt)?;
        let data = UserData(data);
        let mut handle = 0usize;
        runtime.queue_work(
            Box::new(move || {
                let data = data;
                work(data.0)
            }),
            Box::new(move |req, status| {
                let data = data;
                let handle = handle_of(req);
                after(handle as *mut v8r_work, status, data.0);
                REQUESTS.remove(handle as *mut v8r_work);
            }),
            |req| handle = REQUESTS.insert_numbered(req.id, std::sync::Arc::clone(req)),
        )?;
        if !out_req.is_null() {
            // SAFETY: checked writable above.
            unsafe { *out_req = handle as *mut v8r_work };
        }
        Ok(())
    })
}

fn handle_of(req: &WorkRequest) -> usize {
    REQUESTS.handle_for(req.id)
}

/// Cancel a request before its work starts: returns V8R_STATUS_OK and the
/// after-callback later runs with V8R_STATUS_CANCELED. Once the work
/// started (or finished) returns V8R_STATUS_BUSY; after the after-callback
/// returned, V8R_STATUS_CLOSED. Any thread.
#[no_mangle]
pub extern "C" fn v8r_cancel_work(req: *mut v8r_work) -> Status {
    boundary(std::ptr::null_mut(), || REQUESTS.lookup(req)?.cancel())
}

/// Size the shared thread pool (default: the number of cores, or
/// `V8RUNNER_THREADPOOL_SIZE`). Only before the first work is queued;
/// afterwards V8R_STATUS_BUSY. Any thread.
#[no_mangle]
pub extern "C" fn v8r_set_threadpool_size(threads: usize) -> Status {
    boundary(std::ptr::null_mut(), || work::set_pool_size(threads))
}

/// Threads in the shared work pool (starting it if needed). Any thread.
#[no_mangle]
pub extern "C" fn v8r_threadpool_size() -> usize {
    guarded(0, work::pool_size)
}
