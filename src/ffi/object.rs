//! Object handles in the C ABI: live JS values (objects, arrays, functions,
//! Promises, Maps, ...) held across calls, read and written through
//! `v8r_object_*`, released with `v8r_object_free` from any thread.

use std::ffi::c_char;
use std::sync::{Arc, Weak};

use once_cell::sync::Lazy;

use super::error::v8r_error;
use super::handles::{HandleKind, HandleTable};
use super::runtime::{lookup, v8r_runtime};
use super::value::{clear_result, store_result, v8r_value, value_from_c, values_from_c};
use super::{boundary, c_text, guarded, write_out};
use crate::error::{Error, Status};
use crate::refs::{ObjectRef, ObjectType};
use crate::Runtime;

/// An opaque handle to a live JS value of one runtime. It stays valid
/// across calls until `v8r_object_free` (any thread; the V8 side is
/// released by the runtime's own thread at its next call) or until the
/// runtime is freed (calls then give V8R_STATUS_CLOSED).
pub struct v8r_object {
    _opaque: [u8; 0],
}

/// `flags` bit for calls that return values: objects come back as
/// V8R_KIND_OBJECT handles instead of JSON copies. (Promises always come
/// back as V8R_KIND_PROMISE handles.)
pub const V8R_OBJECTS: u32 = 1;

/// A referenced value and its runtime (not kept alive by the handle).
pub(crate) struct Entry {
    pub(crate) runtime: Weak<Runtime>,
    pub(crate) obj: ObjectRef,
}

static OBJECTS: Lazy<HandleTable<Entry>> = Lazy::new(|| HandleTable::new(HandleKind::Object));

/// A new handle the caller owns, naming `obj` of `runtime`.
pub(crate) fn new_handle(runtime: &Weak<Runtime>, obj: ObjectRef) -> *mut v8r_object {
    OBJECTS.insert(Entry {
        runtime: runtime.clone(),
        obj,
    }) as *mut v8r_object
}

pub(crate) fn lookup_entry(o: *mut v8r_object) -> Result<Arc<Entry>, Error> {
    OBJECTS.lookup(o)
}

/// Drop handle `o` (the value is released once nothing names it).
pub(crate) fn release(o: *mut v8r_object) {
    drop(OBJECTS.remove(o));
}

fn lookup_object(o: *mut v8r_object) -> Result<(Arc<Runtime>, Arc<Entry>), Error> {
    let entry = OBJECTS.lookup(o)?;
    let runtime = entry
        .runtime
        .upgrade()
        .ok_or_else(|| Error::new(Status::Closed, "the object's runtime was freed"))?;
    Ok((runtime, entry))
}

fn key_of<'a>(key: *const c_char) -> Result<&'a str, Error> {
    c_text(key, "key")?.ok_or_else(|| Error::bad_input("key is NULL"))
}

pub(crate) fn objects(flags: u32) -> Result<bool, Error> {
    if flags & !V8R_OBJECTS != 0 {
        return Err(Error::bad_input(format!("unknown flags {flags:#x}")));
    }
    Ok(flags & V8R_OBJECTS != 0)
}

/// Store a handle to the runtime's global object (`globalThis`) in `*out`
/// (the caller owns it). Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_global(
    rt: *mut v8r_runtime,
    out: *mut *mut v8r_object,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        let global = runtime.global()?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = new_handle(&Arc::downgrade(&runtime), global) };
        Ok(())
    })
}

/// `globalThis[name] = *value` (a copy; an object handle stores that very
/// object), under the name rules of `v8r_runtime_register`: `flags` 0 or
/// V8R_REPLACE. Threads: as `v8r_runtime_register`.
#[no_mangle]
pub extern "C" fn v8r_runtime_define_global(
    rt: *mut v8r_runtime,
    name: *const c_char,
    value: *const v8r_value,
    flags: u32,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        if flags & !super::host::V8R_REPLACE != 0 {
            return Err(Error::bad_input(format!("unknown flags {flags:#x}")));
        }
        let runtime = lookup(rt)?;
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        let value = value_from_c(value)?;
        runtime.define_global(name, value, flags & super::host::V8R_REPLACE != 0)
    })
}

/// `v8r_runtime_eval` with `flags` (V8R_OBJECTS: an object result comes
/// back as a V8R_KIND_OBJECT handle instead of a JSON copy).
#[no_mangle]
pub extern "C" fn v8r_runtime_eval_with(
    rt: *mut v8r_runtime,
    src: *const u8,
    len: usize,
    resource_name: *const c_char,
    flags: u32,
    call_id: u64,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let runtime = lookup(rt)?;
        let source = super::text(src, len, "script")?;
        let name = c_text(resource_name, "resource_name")?.unwrap_or("");
        let objects = objects(flags)?;
        store_result(result, runtime.eval_as(source, name, call_id, objects)?, &runtime)
    })
}

/// Store `o[key]` (`key` NUL-terminated UTF-8; getters run) in `*result`
/// (may be NULL; release with `v8r_value_release`). `flags` as for
/// `v8r_runtime_eval_with`. A getter that throws gives
/// V8R_STATUS_EXCEPTION. Threads: as `v8r_runtime_eval` for its runtime.
#[no_mangle]
pub extern "C" fn v8r_object_get(
    o: *mut v8r_object,
    key: *const c_char,
    flags: u32,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let (runtime, entry) = lookup_object(o)?;
        let key = key_of(key)?;
        let objects = objects(flags)?;
        store_result(result, runtime.get(&entry.obj, key, objects)?, &runtime)
    })
}

/// `o[key] = *value` (a copy; a V8R_KIND_OBJECT value stores that
/// object). Threads: as `v8r_object_get`.
#[no_mangle]
pub extern "C" fn v8r_object_set(
    o: *mut v8r_object,
    key: *const c_char,
    value: *const v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let (runtime, entry) = lookup_object(o)?;
        let key = key_of(key)?;
        let value = value_from_c(value)?;
        runtime.set(&entry.obj, key, value)
    })
}

/// Whether `key in o`, in `*out`. Threads: as `v8r_object_get`.
#[no_mangle]
pub extern "C" fn v8r_object_has(
    o: *mut v8r_object,
    key: *const c_char,
    out: *mut bool,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, false, "out")?;
        let (runtime, entry) = lookup_object(o)?;
        let has = runtime.has(&entry.obj, key_of(key)?)?;
        write_out(out, has, "out")
    })
}

/// `delete o[key]`; `*out` (may be NULL) says whether the property is gone.
/// Threads: as `v8r_object_get`.
#[no_mangle]
pub extern "C" fn v8r_object_delete(
    o: *mut v8r_object,
    key: *const c_char,
    out: *mut bool,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let (runtime, entry) = lookup_object(o)?;
        let gone = runtime.delete(&entry.obj, key_of(key)?)?;
        if !out.is_null() {
            write_out(out, gone, "out")?;
        }
        Ok(())
    })
}

/// `Object.keys(o)` (own enumerable string keys, indices as strings), as
/// a V8R_KIND_JSON array of strings in `*result`. Threads: as
/// `v8r_object_get`.
#[no_mangle]
pub extern "C" fn v8r_object_keys(o: *mut v8r_object, result: *mut v8r_value, err: *mut *mut v8r_error) -> Status {
    boundary(err, || {
        clear_result(result);
        let (runtime, entry) = lookup_object(o)?;
        let keys = runtime.keys(&entry.obj)?;
        let json = crate::value::json_string_array(&keys);
        store_result(result, crate::Value::Json(json), &runtime)
    })
}

/// Copy the value itself out into `*result`, as a call result is copied
/// (JSON text for plain objects and arrays); a value JSON cannot copy (a
/// cycle) gives V8R_STATUS_EXCEPTION with JSON's error. Threads: as
/// `v8r_object_get`.
#[no_mangle]
pub extern "C" fn v8r_object_value(o: *mut v8r_object, result: *mut v8r_value, err: *mut *mut v8r_error) -> Status {
    boundary(err, || {
        clear_result(result);
        let (runtime, entry) = lookup_object(o)?;
        store_result(result, runtime.object_value(&entry.obj)?, &runtime)
    })
}

/// Call `o[method](...args)` with `this` = `o` (`method` NUL-terminated),
/// or, with `method` NULL, call `o` itself with `this` undefined. Results,
/// errors, `flags` and `call_id` as for `v8r_runtime_call` and
/// `v8r_runtime_eval_with`. Threads: as `v8r_object_get`.
#[no_mangle]
pub extern "C" fn v8r_object_call(
    o: *mut v8r_object,
    method: *const c_char,
    args: *const v8r_value,
    argc: usize,
    flags: u32,
    call_id: u64,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let (runtime, entry) = lookup_object(o)?;
        let method = c_text(method, "method")?;
        let objects = objects(flags)?;
        let argv = values_from_c(args, argc)?;
        store_result(
            result,
            runtime.call_method(&entry.obj, method, argv, objects, call_id)?,
            &runtime,
        )
    })
}

/// Wait for `o` as JS's `await` does: when it is a Promise, run the
/// runtime's event loop (as `v8r_runtime_run` in DEFAULT mode, on this
/// thread) until it settles; its value goes to `*result` (`flags` as for
/// `v8r_runtime_eval_with`), its rejection gives V8R_STATUS_EXCEPTION with
/// the reason in `*err`. Any other value is its own result. When nothing
/// pending in the loop can settle the promise any more: V8R_STATUS_PENDING.
/// `call_id` stops the wait and what runs, as for `v8r_runtime_run`.
/// Threads: as `v8r_runtime_run`; inside a callback of the runtime only
/// for a promise that has settled already (else V8R_STATUS_WRONG_THREAD).
#[no_mangle]
pub extern "C" fn v8r_object_await(
    o: *mut v8r_object,
    flags: u32,
    call_id: u64,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let (runtime, entry) = lookup_object(o)?;
        let objects = objects(flags)?;
        store_result(result, runtime.await_value(&entry.obj, objects, call_id)?, &runtime)
    })
}

/// What `o` is, in `*out`. Any thread.
#[no_mangle]
pub extern "C" fn v8r_object_typeof(o: *mut v8r_object, out: *mut ObjectType) -> Status {
    boundary(std::ptr::null_mut(), || {
        let entry = OBJECTS.lookup(o)?;
        write_out(out, entry.obj.object_type(), "out")
    })
}

/// A second handle to the same value (freed separately), or NULL when `o`
/// is not a live handle. Any thread.
#[no_mangle]
pub extern "C" fn v8r_object_dup(o: *mut v8r_object) -> *mut v8r_object {
    guarded(std::ptr::null_mut(), || match OBJECTS.lookup(o) {
        Ok(entry) => new_handle(&entry.runtime, entry.obj.clone()),
        Err(_) => std::ptr::null_mut(),
    })
}

/// Release a handle. NULL is a no-op. Any thread, any time (also after the
/// runtime was freed).
#[no_mangle]
pub extern "C" fn v8r_object_free(o: *mut v8r_object) {
    guarded((), || release(o))
}

/// Number of live object handles (for leak checks in tests). Any thread.
#[no_mangle]
pub extern "C" fn v8r_object_count() -> usize {
    guarded(0, || OBJECTS.len())
}

/// A value holding a new handle to `o` (release it with
/// `v8r_value_release` once the call it was passed to returned), or an
/// undefined value when `o` is not a live handle. Any thread.
#[no_mangle]
pub extern "C" fn v8r_value_object(o: *mut v8r_object) -> v8r_value {
    guarded(v8r_value::UNDEFINED, || match OBJECTS.lookup(o) {
        Ok(entry) => v8r_value::of_handle(new_handle(&entry.runtime, entry.obj.clone()), &entry.obj),
        Err(_) => v8r_value::UNDEFINED,
    })
}

/// The object handle inside a V8R_KIND_OBJECT or V8R_KIND_PROMISE value
/// (borrowed: the value owns it), or NULL for other kinds. Any thread.
#[no_mangle]
pub extern "C" fn v8r_value_get_object(v: *const v8r_value) -> *mut v8r_object {
    guarded(std::ptr::null_mut(), || v8r_value::handle_of(v))
}
