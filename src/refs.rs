//! References to live JS values, held across calls: each runtime keeps a
//! table of V8 handles, and the host holds [`ObjectRef`]s naming them.
//!
//! An `ObjectRef` may be dropped on any thread (a Go GC cleanup, a C
//! caller's free), but a V8 handle may only be released by the thread that
//! holds the isolate. So dropping the last clone of a reference only queues
//! its id; the next entry into the runtime releases the queued handles, and
//! the runtime's teardown releases the rest. Nothing grows with the number
//! of references a program makes and drops.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

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
    live: Mutex<HashMap<u64, v8::Global<v8::Value>>>,
    /// Ids whose last reference was dropped, waiting for the isolate.
    released: Mutex<Vec<u64>>,
    any_released: AtomicBool,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Refs {
    /// A new reference to `value` (an object), owned by this table.
    pub(crate) fn keep(self: &Arc<Self>, scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> ObjectRef {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let ty = ObjectType::of(value);
        locked(&self.live).insert(id, v8::Global::new(scope, value));
        ObjectRef(Arc::new(Inner {
            id,
            ty,
            refs: Arc::downgrade(self),
        }))
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
        let live = locked(&self.live);
        let global = live.get(&r.0.id).ok_or_else(|| "the object was released".to_string())?;
        Ok(v8::Local::new(scope, global))
    }

    /// Release the handles whose references were dropped. Call with the
    /// isolate locked (every entry into the runtime does).
    pub(crate) fn collect(&self) {
        if !self.any_released.swap(false, Ordering::AcqRel) {
            return;
        }
        let ids = std::mem::take(&mut *locked(&self.released));
        let mut live = locked(&self.live);
        let dropped: Vec<_> = ids.iter().filter_map(|id| live.remove(id)).collect();
        drop(live);
        drop(dropped);
    }

    /// Every handle, for the runtime to drop under its isolate lock at
    /// teardown.
    pub(crate) fn take_all(&self) -> HashMap<u64, v8::Global<v8::Value>> {
        std::mem::take(&mut *locked(&self.live))
    }

    /// How many values are referenced now (for leak checks).
    pub(crate) fn len(&self) -> usize {
        locked(&self.live).len()
    }

    fn release(&self, id: u64) {
        locked(&self.released).push(id);
        self.any_released.store(true, Ordering::Release);
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
}

impl Drop for Inner {
    fn drop(&mut self) {
        // A runtime already gone released everything at its teardown.
        if let Some(refs) = self.refs.upgrade() {
            refs.release(self.id);
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
}

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
