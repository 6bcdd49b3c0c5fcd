//! Notifiers in the C ABI: wake a runtime's loop from any thread with a
//! payload, delivered on the loop thread to a JS global or a C callback.

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use once_cell::sync::Lazy;

use super::error::v8r_error;
use super::foreign::{v8r_finalizer_fn, ForeignData};
use super::handles::{HandleKind, HandleTable};
use super::object::{self, v8r_object};
use super::runtime::{lookup, v8r_runtime};
use super::value::{v8r_value, v8r_value_release, value_from_c};
use super::{boundary, c_text, guarded, write_out};
use crate::error::{Error, Status};
use crate::notifier::{Notifier, SendWait, Target};
use crate::refs::ObjectType;

/// An opaque notifier handle. Send, ref and close from any thread; free it
/// once with `v8r_notifier_free`.
pub struct v8r_notifier {
    _opaque: [u8; 0],
}

/// Receives one payload on the loop thread; `payload` is valid during the
/// call only. May call back into the runtime.
pub type v8r_notify_fn = Option<extern "C" fn(data: *mut c_void, payload: *const v8r_value)>;

static NOTIFIERS: Lazy<HandleTable<Notifier>> = Lazy::new(|| HandleTable::new(HandleKind::Notifier));

fn lookup_notifier(n: *mut v8r_notifier) -> Result<Arc<Notifier>, Error> {
    NOTIFIERS.lookup(n)
}

/// Create a notifier on `rt` that delivers each payload sent to it, on the
/// loop thread during `v8r_runtime_run`, either to the JS function named
/// `global_name` (looked up on `globalThis` at each delivery, called with
/// the payload) or to `callback(data, payload)`: pass exactly one of the
/// two. `finalizer(data)`, if given, runs once when the notifier is closed
/// and drained or the runtime is freed. `capacity` bounds the queue (0:
/// unbounded). The notifier keeps the loop alive until closed or unref'd.
///
/// On success the caller owns `*out` (free with `v8r_notifier_free`). On
/// failure neither callback nor finalizer is ever called.
/// Threads: any.
#[no_mangle]
pub extern "C" fn v8r_notifier_new(
    rt: *mut v8r_runtime,
    global_name: *const c_char,
    callback: v8r_notify_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    capacity: usize,
    out: *mut *mut v8r_notifier,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        let name = c_text(global_name, "global_name")?;
        // The target owns the data; its finalizer is armed only once the
        // notifier exists: a failed create must not call it.
        let (owner, arming) = ForeignData::unarmed(data, finalizer);
        let owner_runtime = Arc::downgrade(&runtime);
        let target = match (name, callback) {
            (Some(name), None) if !name.is_empty() => Target::GlobalName(name.to_owned()),
            (None, Some(cb)) => Target::Host(Box::new(move |payload| {
                if let Ok(mut v) = v8r_value::from_value(payload, &owner_runtime) {
                    cb(owner.ptr(), &v);
                    v8r_value_release(&mut v);
                }
            })),
            _ => return Err(Error::bad_input("pass exactly one of global_name and callback")),
        };
        let notifier = runtime.notifier(target, capacity)?;
        arming.arm();
        let handle = NOTIFIERS.insert_arc(notifier);
        // SAFETY: checked non-NULL above.
        unsafe { *out = handle as *mut v8r_notifier };
        Ok(())
    })
}

/// `v8r_notifier_new` delivering to the JS function `fn` (a handle of a
/// function of `rt`, which the notifier keeps alive; `fn` stays yours),
/// called with each payload.
#[no_mangle]
pub extern "C" fn v8r_notifier_new_function(
    rt: *mut v8r_runtime,
    func: *mut v8r_object,
    capacity: usize,
    out: *mut *mut v8r_notifier,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        let entry = object::lookup_entry(func)?;
        if entry.obj.object_type() != ObjectType::Function {
            return Err(Error::bad_input("fn is not a function"));
        }
        if !entry.runtime.upgrade().is_some_and(|r| Arc::ptr_eq(&r, &runtime)) {
            return Err(Error::bad_input("fn belongs to another runtime"));
        }
        let notifier = runtime.notifier(Target::Function(entry.obj.clone()), capacity)?;
        let handle = NOTIFIERS.insert_arc(notifier);
        // SAFETY: checked non-NULL above.
        unsafe { *out = handle as *mut v8r_notifier };
        Ok(())
    })
}

/// Queue a copy of `*payload` for delivery. `timeout_ms`: 0 never waits (a
/// full bounded queue gives V8R_STATUS_QUEUE_FULL), > 0 waits at most that
/// long for room (then V8R_STATUS_TIMEOUT), < 0 waits as long as needed.
/// After close: V8R_STATUS_CLOSING. Payloads from one thread arrive in the
/// order sent, each exactly once. Any thread, any time.
#[no_mangle]
pub extern "C" fn v8r_notifier_send(n: *mut v8r_notifier, payload: *const v8r_value, timeout_ms: i64) -> Status {
    boundary(std::ptr::null_mut(), || {
        let notifier = lookup_notifier(n)?;
        let value = value_from_c(payload)?;
        let wait = match timeout_ms {
            0 => SendWait::NoWait,
            t if t < 0 => SendWait::Forever,
            t => SendWait::Timeout(Duration::from_millis(t as u64)),
        };
        notifier.send(value, wait)
    })
}

/// Whether the notifier keeps the loop alive (the default). Any thread.
#[no_mangle]
pub extern "C" fn v8r_notifier_ref(n: *mut v8r_notifier, keep_alive: bool) -> Status {
    boundary(std::ptr::null_mut(), || {
        lookup_notifier(n)?.set_ref(keep_alive);
        Ok(())
    })
}

/// Stop accepting payloads; those already queued are still delivered.
/// Idempotent; safe while other threads send. Any thread.
#[no_mangle]
pub extern "C" fn v8r_notifier_close(n: *mut v8r_notifier) -> Status {
    boundary(std::ptr::null_mut(), || {
        lookup_notifier(n)?.close();
        Ok(())
    })
}

/// Close the notifier and release the handle; NULL is a no-op. Must not
/// race with other calls on the same handle (close first, then free). Any
/// thread.
#[no_mangle]
pub extern "C" fn v8r_notifier_free(n: *mut v8r_notifier) {
    if n.is_null() {
        return;
    }
    guarded((), || {
        if let Some(notifier) = NOTIFIERS.remove(n) {
            notifier.close();
        }
    });
}
