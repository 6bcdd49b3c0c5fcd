//! Function references in the C ABI: look a JS function up once, call it
//! many times without a lookup by name, release it from any thread.

use std::ffi::c_char;
use std::sync::{Arc, Weak};

use once_cell::sync::Lazy;

use super::error::v8r_error;
use super::handles::{HandleKind, HandleTable};
use super::runtime::{lookup, v8r_runtime};
use super::value::{clear_result, store_result, v8r_value, values_from_c};
use super::{boundary, c_text, guarded, write_out};
use crate::error::{Error, Status};
use crate::{FunctionRef, Runtime};

/// An opaque reference to a JS function of one runtime. Free it once with
/// `v8r_function_free` (any thread); freeing the runtime first is fine.
pub struct v8r_function {
    _opaque: [u8; 0],
}

/// A function reference and its runtime, which it does not keep alive:
/// once the runtime is freed the upgrade fails (and a call that upgrades
/// while free is under way is turned away by the closed gate).
struct Entry {
    runtime: Weak<Runtime>,
    function: FunctionRef,
}

static FUNCTIONS: Lazy<HandleTable<Entry>> = Lazy::new(|| HandleTable::new(HandleKind::Function));

/// Look up the global function `name` (NUL-terminated) and store a
/// reference to it in `*out` (the caller owns it). The reference stays
/// valid when the global is later reassigned. Errors as for
/// `v8r_runtime_call`. Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_function(
    rt: *mut v8r_runtime,
    name: *const c_char,
    out: *mut *mut v8r_function,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        let function = runtime.function(name)?;
        let handle = FUNCTIONS.insert(Entry {
            runtime: Arc::downgrade(&runtime),
            function,
        });
        // SAFETY: checked non-NULL above.
        unsafe { *out = handle as *mut v8r_function };
        Ok(())
    })
}

/// Call the referenced function with copies of `args[0..argc]`; results,
/// errors and `call_id` as for `v8r_runtime_call`, without the lookup by
/// name. V8R_STATUS_CLOSED once the runtime is freed. Threads: as
/// `v8r_runtime_eval` for its runtime.
#[no_mangle]
pub extern "C" fn v8r_function_call(
    f: *mut v8r_function,
    args: *const v8r_value,
    argc: usize,
    call_id: u64,
    result: *mut v8r_value,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        clear_result(result);
        let entry = FUNCTIONS.lookup(f)?;
        let runtime = entry
            .runtime
            .upgrade()
            .ok_or_else(|| Error::new(Status::Closed, "the function's runtime was freed"))?;
        let argv = values_from_c(args, argc)?;
        store_result(result, runtime.call_function(&entry.function, argv, call_id)?, &runtime)
    })
}

/// Release a function reference. NULL is a no-op. Any thread.
#[no_mangle]
pub extern "C" fn v8r_function_free(f: *mut v8r_function) {
    if f.is_null() {
        return;
    }
    guarded((), || drop(FUNCTIONS.remove(f)));
}
