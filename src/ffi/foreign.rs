//! C user data: the `void *data` a C caller hands over with its callbacks,
//! and the finalizer that releases it (wasmtime's `ForeignData`). One type
//! for every registration, with one rule: a finalizer runs exactly once,
//! when the library lets go of the data, and never for a call that failed.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Releases user data when the library no longer needs it.
pub type v8r_finalizer_fn = Option<extern "C" fn(data: *mut c_void)>;

/// An opaque pointer handed back to C callbacks, never dereferenced here.
/// The caller promised (by passing it) that it may be used from the
/// threads the header names for those callbacks.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);
// SAFETY: an opaque value the C caller owns; the library only hands it back.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    /// The pointer (a method, so closures capture the whole `UserData`).
    pub(crate) fn ptr(self) -> *mut c_void {
        self.0
    }
}

/// User data with its finalizer, run when this is dropped, if armed.
pub(crate) struct ForeignData {
    data: UserData,
    finalizer: v8r_finalizer_fn,
    armed: Arc<AtomicBool>,
}

/// The right to arm a [`ForeignData`] once the call that took it succeeded.
pub(crate) struct Arming(Arc<AtomicBool>);

impl Arming {
    pub(crate) fn arm(self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl ForeignData {
    /// Data whose finalizer runs on drop.
    pub(crate) fn armed(data: *mut c_void, finalizer: v8r_finalizer_fn) -> ForeignData {
        let (f, arming) = ForeignData::unarmed(data, finalizer);
        arming.arm();
        f
    }

    /// Data whose finalizer runs on drop only once `Arming::arm` was called
    /// (for data given away before the call that takes it can fail).
    pub(crate) fn unarmed(data: *mut c_void, finalizer: v8r_finalizer_fn) -> (ForeignData, Arming) {
        let armed = Arc::new(AtomicBool::new(false));
        let f = ForeignData {
            data: UserData(data),
            finalizer,
            armed: Arc::clone(&armed),
        };
        (f, Arming(armed))
    }

    pub(crate) fn ptr(&self) -> *mut c_void {
        self.data.0
    }
}

impl Drop for ForeignData {
    fn drop(&mut self) {
        if let (Some(f), true) = (self.finalizer, self.armed.load(Ordering::SeqCst)) {
            f(self.data.0);
        }
    }
}
