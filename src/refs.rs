//! References to live JS values, held across calls: the host holds
//! [`ObjectRef`]s, each owning one V8 handle of one runtime.
//!
//! An `ObjectRef` may be dropped on any thread (a Go GC cleanup, a C
//! caller's free), but a V8 handle may only be released by the thread that
//! holds the isolate. So dropping the last clone of a reference only queues
//! its handle on the runtime's [`Refs`]; the next entry into the runtime
//! releases the queued handles, and the runtime's teardown the rest. Nothing grows with the number
//! of references a program makes and drops.

use std::any::Any;
use std::cell::UnsafeCell;
use std::fmt;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// What a referenced value is, decided when the reference is made. Stable
/// numbers (exported to C as `v8r_object_type`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    /// Any other object (plain objects, class instances, ...).
    Object = 0,
    Array = 1,
    Function = 2,
    Promise = 3,
    Map = 4,
    Set = 5,
    /// A native Error (or subclass) object.
    Error = 6,
    Date = 7,
    RegExp = 8,
    /// An ArrayBuffer, SharedArrayBuffer, typed array or DataView.
    Bytes = 9,
}

impl ObjectType {
    /// The type of `value`, an object.
    pub(crate) fn of(value: v8::Local<v8::Value>) -> ObjectType {
        if value.is_promise() {
            ObjectType::Promise
        } else if value.is_function() {
            ObjectType::Function
        } else if value.is_array() {
            ObjectType::Array
        } else if value.is_map() {
            ObjectType::Map
        } else if value.is_set() {
            ObjectType::Set
        } else if value.is_native_error() {
            ObjectType::Error
        } else if value.is_date() {
            ObjectType::Date
        } else if value.is_reg_exp() {
            ObjectType::RegExp
        } else if value.is_array_buffer() || value.is_shared_array_buffer() || value.is_array_buffer_view() {
            ObjectType::Bytes
        } else {
            ObjectType::Object
        }
    }
}

/// A runtime's referenced values (see the module doc); opaque outside the
/// crate.
#[derive(Default)]
pub struct Refs {
    next: AtomicU64,
    /// Handles made and not yet released (for leak checks).
    live: AtomicUsize,
    /// Handles whose last reference was dropped, waiting for the isolate.
    released: Mutex<Vec<v8::Global<v8::Value>>>,
    any_released: AtomicBool,
    /// Set at teardown: later drops leave their handle to V8's own
    /// bookkeeping (the isolate is gone or going).
    closed: AtomicBool,
    /// What owns the table (the C ABI's shared runtime), for finding a
    /// reference's runtime from the reference alone.
    owner: OnceLock<Weak<dyn Any + Send + Sync>>,
    /// Every reference made, in a runtime made for a snapshot: V8 refuses
    /// (aborts) to serialize a heap while any handle into it is alive, so
    /// the teardown takes the handles of those still held too.
    tracking: AtomicBool,
    tracked: Mutex<Vec<Weak<Inner>>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Refs {
    /// A new reference to `value` (an object), owned by this table.
    pub(crate) fn keep(self: &Arc<Self>, scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> ObjectRef {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.live.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::new(Inner {
            id,
            ty: ObjectType::of(value),
            refs: Arc::downgrade(self),
            global: UnsafeCell::new(ManuallyDrop::new(v8::Global::new(scope, value))),
            taken: AtomicBool::new(false),
        });
        if self.tracking.load(Ordering::Relaxed) {
            let mut tracked = locked(&self.tracked);
            if tracked.len() >= 64 && tracked.len() > 2 * self.len() {
                tracked.retain(|r| r.strong_count() > 0);
            }
            tracked.push(Arc::downgrade(&inner));
        }
        ObjectRef(inner)
    }

    /// Track every reference (a runtime made for a snapshot; see `tracked`).
    pub(crate) fn track(&self) {
        self.tracking.store(true, Ordering::Relaxed);
    }

    /// Whether `r` names a value of this table.
    pub(crate) fn owns(self: &Arc<Self>, r: &ObjectRef) -> bool {
        std::ptr::eq(r.0.refs.as_ptr(), Arc::as_ptr(self))
    }

    /// The value `r` names, in the scope. An error message when it belongs
    /// to another runtime (or none: a one-shot call).
    pub(crate) fn get<'s>(
        self: &Arc<Self>,
        scope: &mut v8::PinScope<'s, '_>,
        r: &ObjectRef,
    ) -> Result<v8::Local<'s, v8::Value>, String> {
        if !self.owns(r) {
            return Err("the object belongs to another runtime".into());
        }
        if self.closed.load(Ordering::Acquire) {
            return Err("the object's runtime is closed".into());
        }
        // SAFETY: open, so the handle is in place (only the teardown, with
        // no call in progress, takes it).
        Ok(v8::Local::new(scope, unsafe { &**r.0.global.get() }))
    }

    /// Release the handles whose references were dropped. Call with the
    /// isolate locked (every entry into the runtime does).
    pub(crate) fn collect(&self) {
        if !self.any_released.swap(false, Ordering::AcqRel) {
            return;
        }
        let dropped = std::mem::take(&mut *locked(&self.released));
        self.live.fetch_sub(dropped.len(), Ordering::Relaxed);
        drop(dropped);
    }

    /// The handles waiting for release, for the runtime to drop under its
    /// isolate lock at teardown; references dropped after this leave their
    /// handle to V8.
    pub(crate) fn take_all(&self) -> impl Send {
        self.closed.store(true, Ordering::Release);
        let mut handles = std::mem::take(&mut *locked(&self.released));
        for r in std::mem::take(&mut *locked(&self.tracked)) {
            if let Some(inner) = r.upgrade() {
                if !inner.taken.swap(true, Ordering::AcqRel) {
                    // SAFETY: taken once (the flag), and no call can read it
                    // any more (closed); Inner's drop skips a taken handle.
                    handles.push(unsafe { ManuallyDrop::take(&mut *inner.global.get()) });
                }
            }
        }
        handles
    }

    /// Record the table's owner (once).
    pub(crate) fn set_owner(&self, owner: Weak<dyn Any + Send + Sync>) {
        let _ = self.owner.set(owner);
    }

    /// How many values are referenced now (for leak checks).
    pub(crate) fn len(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}

/// A reference to a live JS value of one runtime. Clones name the same
/// value; it is released once the last clone is dropped (on any thread).
#[derive(Clone)]
pub struct ObjectRef(Arc<Inner>);

struct Inner {
    id: u64,
    ty: ObjectType,
    refs: Weak<Refs>,
    /// Dropped only under the isolate lock (queued in `Refs::released`),
    /// or by V8's bookkeeping once the runtime is gone; or taken by the
    /// teardown of a runtime made for a snapshot (`taken`).
    global: UnsafeCell<ManuallyDrop<v8::Global<v8::Value>>>,
    taken: AtomicBool,
}

// SAFETY: the handle is read only inside its runtime (under the isolate
// lock) while the runtime is open, and taken out once, by the teardown or
// the drop, as `taken` decides.
unsafe impl Sync for Inner {}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.taken.swap(true, Ordering::AcqRel) {
            return;
        }
        // SAFETY: taken once, here; the field is not used after.
        let global = unsafe { ManuallyDrop::take(self.global.get_mut()) };
        match self.refs.upgrade() {
            Some(refs) if !refs.closed.load(Ordering::Acquire) => {
                locked(&refs.released).push(global);
                refs.any_released.store(true, Ordering::Release);
            }
            // After teardown, V8 knows the isolate is gone and the drop is
            // a no-op.
            _ => drop(global),
        }
    }
}

impl ObjectRef {
    pub fn object_type(&self) -> ObjectType {
        self.0.ty
    }

    pub fn is_promise(&self) -> bool {
        self.0.ty == ObjectType::Promise
    }

    /// The owner of the runtime the value belongs to, if it is alive and
    /// was recorded.
    pub fn owner(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.0.refs.upgrade()?.owner.get()?.upgrade()
    }
}

impl Eq for ObjectRef {}

impl PartialEq for ObjectRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectRef({:?} #{})", self.0.ty, self.0.id)
    }
}
