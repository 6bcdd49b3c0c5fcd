//! Host functions in the C ABI: JS calls C by name, synchronously or with
//! a Promise the host settles later from any thread.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex, Weak};

use once_cell::sync::Lazy;

use super::error::v8r_error;
use super::foreign::{v8r_finalizer_fn, ForeignData, UserData};
use super::handles::{HandleKind, HandleTable};
use super::object::{self, v8r_object};
use super::runtime::{lookup, v8r_runtime};
use super::value::{v8r_value, v8r_value_release, value_from_c, Lent};
use super::{boundary, c_text, guarded, text};
use crate::error::{Error, Status};
use crate::host::{FunctionOptions, HostFunction, Settler, Thrown};
use crate::value::Value;
use crate::Runtime;

/// A synchronous host function. `args[0..argc]` are borrowed: valid during
/// the call, read-only, not yours to release (an object handle among them
/// too: `v8r_object_dup` it to keep it).
/// Return V8R_STATUS_OK with the result in `*result` (start: undefined; the
/// library takes ownership of what you put there, including its buffer,
/// which must come from malloc or a `v8r_value_*` constructor), or
/// V8R_STATUS_EXCEPTION with what to throw in `*result`: a string is the
/// message of a new Error, tagged with `result->number` when that is a
/// whole number from 1 to 2^53 (the tag comes back in `v8r_error.host_tag`
/// when that Error, or one caused by it, reaches the host as an
/// exception); an object value (V8R_KIND_OBJECT, e.g. the `exception` of a
/// `v8r_error`) is thrown itself, keeping its identity. Runs on the
/// runtime's thread, may call back into the runtime.
pub type v8r_host_fn =
    Option<extern "C" fn(data: *mut c_void, args: *const v8r_value, argc: usize, result: *mut v8r_value) -> Status>;
type RawHostFn = extern "C" fn(*mut c_void, *const v8r_value, usize, *mut v8r_value) -> u32;

/// An asynchronous host function (`args` as for `v8r_host_fn`): JS
/// receives a Promise; settle `promise`
/// later, from any thread, with `v8r_promise_resolve`/`v8r_promise_reject`
/// (or drop it with `v8r_promise_free`, which rejects it).
pub type v8r_async_host_fn =
    Option<extern "C" fn(data: *mut c_void, args: *const v8r_value, argc: usize, promise: *mut v8r_promise)>;

/// An opaque handle to one pending host promise; consumed by exactly one of
/// `v8r_promise_resolve`, `v8r_promise_reject` or `v8r_promise_free`.
pub struct v8r_promise {
    _opaque: [u8; 0],
}

static PROMISES: Lazy<HandleTable<Mutex<Option<Settler>>>> = Lazy::new(|| HandleTable::new(HandleKind::Promise));

/// Register `fn` as the JS global function `name` (NUL-terminated UTF-8,
/// a JS identifier, else V8R_STATUS_BAD_INPUT). A global that exists
/// already (`Math`, `setTimeout`, a name registered before) is not
/// replaced: V8R_STATUS_EXISTS (to replace one, use
/// `v8r_runtime_register_with` and V8R_REPLACE). `finalizer(data)`, if given, runs when the
/// runtime is freed. On failure nothing is called and `data` stays yours.
///
/// Threads: the owner thread (or any, with V8R_RUNTIME_ANY_THREAD); also
/// from inside a callback of this runtime.
#[no_mangle]
pub extern "C" fn v8r_runtime_register(
    rt: *mut v8r_runtime,
    name: *const c_char,
    func: v8r_host_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    err: *mut *mut v8r_error,
) -> Status {
    v8r_runtime_register_with(rt, name, 0, func, data, finalizer, err)
}

/// `v8r_runtime_register` with `flags`: V8R_REPLACE puts the function over
/// a global that exists (a non-writable one still gives
/// V8R_STATUS_EXISTS); V8R_FUNCTION_THIS passes `this` first.
#[no_mangle]
pub extern "C" fn v8r_runtime_register_with(
    rt: *mut v8r_runtime,
    name: *const c_char,
    flags: u32,
    func: v8r_host_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let func = sync_function(func)?;
        install(rt, data, finalizer, func, as_global(name, flags)?)
    })
}

/// Register `fn` as the async JS global function `name`: each call returns
/// a Promise, settled through the loop when the host settles `promise`. A
/// pending promise keeps the loop alive. `finalizer(data)` runs when the
/// runtime is freed. Names and threads: as `v8r_runtime_register`.
#[no_mangle]
pub extern "C" fn v8r_runtime_register_async(
    rt: *mut v8r_runtime,
    name: *const c_char,
    func: v8r_async_host_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    err: *mut *mut v8r_error,
) -> Status {
    v8r_runtime_register_async_with(rt, name, 0, func, data, finalizer, err)
}

/// `v8r_runtime_register_async` with `flags` as for
/// `v8r_runtime_register_with`.
#[no_mangle]
pub extern "C" fn v8r_runtime_register_async_with(
    rt: *mut v8r_runtime,
    name: *const c_char,
    flags: u32,
    func: v8r_async_host_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let func = async_function(func)?;
        install(rt, data, finalizer, func, as_global(name, flags)?)
    })
}

/// `v8r_host_fn` flag: `args[0]` is the call's `this` (an object handle
/// when it is an object), the JS arguments follow.
pub const V8R_FUNCTION_THIS: u32 = 1;
/// Registration flag: put the function (or value) over a global that
/// exists already.
pub const V8R_REPLACE: u32 = 2;

/// `fn` as a JS function value, in `*out` (an object handle: set it as a
/// property with `v8r_object_set`, pass it to JS, free it when done).
/// `name` (NULL: "") is its `name` property, any UTF-8. `flags`: 0 or
/// V8R_FUNCTION_THIS. `finalizer(data)` runs when the runtime is freed.
/// Threads: as `v8r_runtime_register`.
#[no_mangle]
pub extern "C" fn v8r_runtime_new_function(
    rt: *mut v8r_runtime,
    name: *const c_char,
    flags: u32,
    func: v8r_host_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    out: *mut *mut v8r_object,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let func = sync_function(func)?;
        install(rt, data, finalizer, func, as_value(name, flags, out)?)
    })
}

/// `v8r_runtime_new_function` for an async host function (each call
/// returns a Promise, as with `v8r_runtime_register_async`).
#[no_mangle]
pub extern "C" fn v8r_runtime_new_async_function(
    rt: *mut v8r_runtime,
    name: *const c_char,
    flags: u32,
    func: v8r_async_host_fn,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    out: *mut *mut v8r_object,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let func = async_function(func)?;
        install(rt, data, finalizer, func, as_value(name, flags, out)?)
    })
}

/// A C host function, given its user data and runtime.
type Maker = Box<dyn FnOnce(UserData, Weak<Runtime>) -> HostFunction>;

fn sync_function(func: v8r_host_fn) -> Result<Maker, Error> {
    let func = func.ok_or_else(|| Error::bad_input("function is NULL"))?;
    // The status comes back from C as a plain number: a value outside
    // the enum must not be read as a Status (undefined behaviour).
    // SAFETY: same ABI; `Status` is a repr(u32) enum.
    let func: RawHostFn = unsafe { std::mem::transmute(func) };
    Ok(Box::new(move |data, runtime| {
        HostFunction::Sync(Box::new(move |args| {
            let argv = Lent::new(args, &runtime);
            let mut result = v8r_value::UNDEFINED;
            let code = func(data.ptr(), argv.as_ptr(), argv.len(), &mut result);
            let tag = host_tag(result.number);
            let value = value_from_c(&result);
            v8r_value_release(&mut result);
            match (Status::from_u32(code), value) {
                (Some(Status::Ok), Ok(v)) => Ok(v),
                (Some(Status::Ok), Err(e)) => Err(format!("host function returned a bad value: {}", e.message).into()),
                (None, _) => Err(format!("host function returned status {code}, which is not a v8r_status").into()),
                (Some(Status::Exception), Ok(Value::String(message))) => Err(Thrown::Error { message, tag }),
                (Some(Status::Exception), Ok(v @ Value::Object(_))) => Err(Thrown::Value(v)),
                (_, Ok(Value::String(message))) => Err(message.into()),
                (Some(status), _) => Err(format!("host function failed: {}", status.name()).into()),
            }
        }))
    }))
}

fn async_function(func: v8r_async_host_fn) -> Result<Maker, Error> {
    let func = func.ok_or_else(|| Error::bad_input("function is NULL"))?;
    Ok(Box::new(move |data, runtime| {
        HostFunction::Async(Box::new(move |args, settler| {
            let handle = PROMISES.insert(Mutex::new(Some(settler)));
            let argv = Lent::new(&args, &runtime);
            func(data.ptr(), argv.as_ptr(), argv.len(), handle as *mut v8r_promise);
        }))
    }))
}

/// Where a made function goes: onto the global object, or out as a value.
type Placer<'a> = Box<dyn FnOnce(&Arc<Runtime>, HostFunction) -> Result<(), Error> + 'a>;

fn as_global<'a>(name: *const c_char, flags: u32) -> Result<Placer<'a>, Error> {
    if flags & !(V8R_FUNCTION_THIS | V8R_REPLACE) != 0 {
        return Err(Error::bad_input(format!("unknown register flags {flags:#x}")));
    }
    let opts = FunctionOptions {
        replace: flags & V8R_REPLACE != 0,
        with_this: flags & V8R_FUNCTION_THIS != 0,
    };
    Ok(Box::new(move |runtime, func| {
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        runtime.register(name, func, opts)
    }))
}

fn as_value<'a>(name: *const c_char, flags: u32, out: *mut *mut v8r_object) -> Result<Placer<'a>, Error> {
    if out.is_null() {
        return Err(Error::bad_input("out is NULL"));
    }
    // SAFETY: checked non-NULL; documented as writable.
    unsafe { out.write(std::ptr::null_mut()) };
    if flags & !V8R_FUNCTION_THIS != 0 {
        return Err(Error::bad_input(format!("unknown function flags {flags:#x}")));
    }
    Ok(Box::new(move |runtime, func| {
        let name = c_text(name, "name")?.unwrap_or("");
        let f = runtime.new_function(name, func, flags & V8R_FUNCTION_THIS != 0)?;
        // SAFETY: as above.
        unsafe { out.write(object::new_handle(&Arc::downgrade(runtime), f)) };
        Ok(())
    }))
}

/// The shared part of every registration. The finalizer belongs to the
/// runtime only once the function was made.
fn install(
    rt: *mut v8r_runtime,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    make: Maker,
    place: Placer,
) -> Result<(), Error> {
    let runtime = lookup(rt)?;
    place(&runtime, make(UserData(data), Arc::downgrade(&runtime)))?;
    if finalizer.is_some() {
        runtime.keep_until_drop(Box::new(ForeignData::armed(data, finalizer)));
    }
    Ok(())
}

/// A host tag from a C double: whole, from 1 to 2^53; else none (0).
fn host_tag(n: f64) -> u64 {
    if (1.0..=9_007_199_254_740_992.0).contains(&n) && n.fract() == 0.0 {
        n as u64
    } else {
        0
    }
}

fn take_settler(p: *mut v8r_promise) -> Result<Settler, Error> {
    PROMISES.lookup(p)?;
    let slot = PROMISES
        .remove(p)
        .ok_or_else(|| Error::new(Status::Closed, "promise already settled"))?;
    let settler = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    settler.ok_or_else(|| Error::new(Status::Closed, "promise already settled"))
}

/// Resolve `promise` with a copy of `*value`; consumes `promise`. The JS
/// side sees it on the loop thread. Any thread. V8R_STATUS_CLOSED if the
/// promise was already settled or its runtime freed.
#[no_mangle]
pub extern "C" fn v8r_promise_resolve(promise: *mut v8r_promise, value: *const v8r_value) -> Status {
    boundary(std::ptr::null_mut(), || {
        // Read the value first: a bad value leaves the promise pending.
        let value = value_from_c(value)?;
        take_settler(promise)?.resolve(value)
    })
}

/// Reject `promise` with `new Error(message)` (`len` bytes of UTF-8);
/// consumes `promise`. Any thread.
#[no_mangle]
pub extern "C" fn v8r_promise_reject(promise: *mut v8r_promise, message: *const c_char, len: usize) -> Status {
    boundary(std::ptr::null_mut(), || {
        let message = text(message as *const u8, len, "message")?.to_owned();
        take_settler(promise)?.reject(message)
    })
}

/// Reject `promise` with what `*reason` says, as a host function's thrown
/// result does (see `v8r_host_fn`): a string is a new Error's message
/// (tagged with `reason->number`), any other value is the rejection reason
/// itself (an object handle keeps its identity). Consumes `promise` unless
/// `*reason` is invalid (V8R_STATUS_BAD_INPUT). Any thread.
#[no_mangle]
pub extern "C" fn v8r_promise_reject_value(promise: *mut v8r_promise, reason: *const v8r_value) -> Status {
    boundary(std::ptr::null_mut(), || {
        let value = value_from_c(reason)?;
        // SAFETY: value_from_c checked it is a readable value.
        let tag = host_tag(unsafe { (*reason).number });
        let thrown = match value {
            Value::String(message) => Thrown::Error { message, tag },
            other => Thrown::Value(other),
        };
        take_settler(promise)?.reject(thrown)
    })
}

/// Give up on `promise` without settling it: JS sees a rejection. NULL or
/// an already settled promise is a no-op. Any thread.
#[no_mangle]
pub extern "C" fn v8r_promise_free(promise: *mut v8r_promise) {
    if promise.is_null() {
        return;
    }
    guarded((), || drop(take_settler(promise)));
}
