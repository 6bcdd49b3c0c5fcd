//! Async hooks in the C ABI: hook sets of C function pointers (the
//! low-overhead path), the current async ids, and type names.

use std::ffi::{c_char, c_void};

use super::error::v8r_error;
use super::foreign::{v8r_finalizer_fn, ForeignData};
use super::runtime::{lookup, v8r_runtime};
use super::{boundary, guarded, write_out};
use crate::async_hooks::{AsyncType, HookEvent};
use crate::error::{Error, Status};

/// The execution id of code outside any async callback.
pub const V8R_ASYNC_ROOT_ID: u64 = 1;
const _: () = assert!(V8R_ASYNC_ROOT_ID == crate::async_hooks::ROOT_ID);

/// Hook functions (each may be NULL) called on the runtime's thread:
/// `init` when a resource is created (`trigger_id`: the resource whose
/// callback created it, 1 for top-level code), `before`/`after` around each
/// of its callbacks, `destroy` when it is gone, `promise_resolve` when a
/// tracked promise resolves. As in Node, each event goes to the sets
/// enabled when it happens: a disabled set hears nothing, one enabled
/// later also hears the callbacks of older resources. Resources created
/// inside a hook fire no hooks. Hooks may call into the runtime.
#[repr(C)]
pub struct v8r_async_hooks {
    pub init: Option<extern "C" fn(data: *mut c_void, id: u64, resource_type: u32, trigger_id: u64)>,
    pub before: Option<extern "C" fn(data: *mut c_void, id: u64)>,
    pub after: Option<extern "C" fn(data: *mut c_void, id: u64)>,
    pub destroy: Option<extern "C" fn(data: *mut c_void, id: u64)>,
    pub promise_resolve: Option<extern "C" fn(data: *mut c_void, id: u64)>,
    /// A mask of `v8r_async_type` values; 0 for all types.
    pub types: u32,
    pub data: *mut c_void,
    /// Called with `data` when the runtime is freed (may be NULL).
    pub finalizer: v8r_finalizer_fn,
}

/// The hook functions of a set (its data and finalizer are a
/// `ForeignData`), movable to the runtime's thread.
struct CHooks {
    hooks: v8r_async_hooks,
}
// SAFETY: the caller hands over function pointers and data for use on the
// runtime's thread (documented).
unsafe impl Send for CHooks {}
unsafe impl Sync for CHooks {}

impl CHooks {
    fn call(&self, event: HookEvent) {
        let h = &self.hooks;
        match event {
            HookEvent::Init { id, ty, trigger } => {
                if let Some(f) = h.init {
                    f(h.data, id, ty as u32, trigger)
                }
            }
            HookEvent::Before(id) => h.before.map_or((), |f| f(h.data, id)),
            HookEvent::After(id) => h.after.map_or((), |f| f(h.data, id)),
            HookEvent::Destroy(id) => h.destroy.map_or((), |f| f(h.data, id)),
            HookEvent::PromiseResolve(id) => h.promise_resolve.map_or((), |f| f(h.data, id)),
        }
    }
}

/// Add a hook set to `rt` and store its id in `*set_id`. It starts
/// disabled: enable it with `v8r_async_hooks_enable`. `*hooks` is copied.
/// Its finalizer runs when the runtime is freed (not on failure: then
/// `data` stays yours). Threads: as `v8r_runtime_register`.
#[no_mangle]
pub extern "C" fn v8r_async_hooks_add(
    rt: *mut v8r_runtime,
    hooks: *const v8r_async_hooks,
    set_id: *mut u32,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(set_id, 0, "set_id")?;
        if hooks.is_null() {
            return Err(Error::bad_input("hooks is NULL"));
        }
        let runtime = lookup(rt)?;
        // SAFETY: non-NULL, documented as a readable struct.
        let hooks = unsafe { std::ptr::read(hooks) };
        let (data, finalizer) = (hooks.data, hooks.finalizer);
        let set = CHooks { hooks };
        let wants_destroy = set.hooks.destroy.is_some();
        let id = runtime.add_async_hooks(set.hooks.types, wants_destroy, Box::new(move |event| set.call(event)))?;
        if finalizer.is_some() {
            runtime.keep_until_drop(Box::new(ForeignData::armed(data, finalizer)));
        }
        // SAFETY: checked non-NULL by write_out.
        unsafe { *set_id = id };
        Ok(())
    })
}

/// Enable or disable hook set `set_id` (added from C, Go or JS). Threads:
/// as `v8r_runtime_register`. V8R_STATUS_BAD_INPUT for an unknown set.
#[no_mangle]
pub extern "C" fn v8r_async_hooks_enable(
    rt: *mut v8r_runtime,
    set_id: u32,
    enabled: bool,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || lookup(rt)?.enable_async_hooks(set_id, enabled))
}

/// The execution and trigger async ids of the callback running now on
/// `rt` (as `executionAsyncId()` / `triggerAsyncId()` in JS): (1, 0)
/// outside any callback. Either pointer may be NULL. Any thread; only the
/// runtime's thread sees its own callbacks.
#[no_mangle]
pub extern "C" fn v8r_async_ids(rt: *mut v8r_runtime, execution_id: *mut u64, trigger_id: *mut u64) -> Status {
    boundary(std::ptr::null_mut(), || {
        let (execution, trigger) = lookup(rt)?.async_ids();
        for (out, v) in [(execution_id, execution), (trigger_id, trigger)] {
            if !out.is_null() {
                // SAFETY: documented as NULL or writable.
                unsafe { *out = v };
            }
        }
        Ok(())
    })
}

/// The name of an async resource type ("Timeout", ..., "PROMISE"), or
/// NULL for a value that is not one type. Static storage. Any thread.
#[no_mangle]
pub extern "C" fn v8r_async_type_name(resource_type: u32) -> *const c_char {
    guarded(std::ptr::null(), || {
        AsyncType::from_u32(resource_type).map_or(std::ptr::null(), |t| t.c_name().as_ptr())
    })
}
