//! Typed values handed to C. The caller owns the `v8r_value` struct; the
//! library fills it and owns nothing after; `v8r_value_release` frees the
//! buffer (or the object handle) inside it.

use std::ffi::c_char;
use std::sync::{Arc, Weak};

use smallvec::SmallVec;

use super::object::{self, v8r_object};
use crate::error::Error;
use crate::refs::ObjectRef;
use crate::value::{Args, Value};
use crate::Runtime;

/// What a `v8r_value` holds. Stable numbers.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum v8r_kind {
    Undefined = 0,
    Null = 1,
    /// `boolean` is set.
    Bool = 2,
    /// `number` is set.
    Number = 3,
    /// `data`/`len`: decimal digits, '-' first when negative.
    Bigint = 4,
    /// `data`/`len`: UTF-8 text (lone surrogates become U+FFFD).
    String = 5,
    /// `data`/`len`: JSON text of an object or array.
    Json = 6,
    /// `data`/`len`: the bytes of an ArrayBuffer, typed array or DataView.
    Bytes = 7,
    /// `data`/`len`: the function's source text.
    Function = 8,
    /// `data`/`len`: `Symbol(description)`.
    Symbol = 9,
    /// `number`: a Date, in milliseconds since the Unix epoch (UTC).
    Date = 10,
    /// A live object (`v8r_value_get_object` gives its handle, which the
    /// value owns): an object result when V8R_OBJECTS was asked for, or a
    /// value JSON cannot copy (a cycle, a throwing `toJSON`).
    Object = 11,
    /// A Promise, always live (`v8r_value_get_object`; `v8r_object_await`
    /// waits for it).
    Promise = 12,
}

/// A JS value copied out of V8. `data` is NULL or a buffer of `len` bytes
/// plus a terminating NUL (so text can be used as a C string when it holds
/// no NUL itself), owned by the struct until `v8r_value_release`; for
/// V8R_KIND_OBJECT and V8R_KIND_PROMISE it holds an object handle instead
/// (read it with `v8r_value_get_object`).
#[repr(C)]
pub struct v8r_value {
    pub kind: v8r_kind,
    pub boolean: bool,
    pub number: f64,
    pub data: *mut c_char,
    pub len: usize,
}

impl v8r_kind {
    pub(crate) fn from_u32(n: u32) -> Option<v8r_kind> {
        use v8r_kind::*;
        [
            Undefined, Null, Bool, Number, Bigint, String, Json, Bytes, Function, Symbol, Date, Object, Promise,
        ]
        .get(n as usize)
        .copied()
    }
}

/// Read a caller's `v8r_value` into a [`Value`], validating everything: the
/// kind (read as a plain integer, never trusted as an enum), the data
/// pointer and length, and UTF-8 for text kinds.
pub(crate) fn value_from_c(v: *const v8r_value) -> Result<Value, Error> {
    if v.is_null() {
        return Err(Error::bad_input("value is NULL"));
    }
    // SAFETY: non-NULL and documented as a readable v8r_value; `kind` is
    // read through a u32 pointer so an out-of-range number is not UB.
    let (kind, boolean, number, data, len) = unsafe {
        (
            std::ptr::addr_of!((*v).kind).cast::<u32>().read(),
            std::ptr::addr_of!((*v).boolean).cast::<u8>().read() != 0,
            (*v).number,
            (*v).data,
            (*v).len,
        )
    };
    let kind = v8r_kind::from_u32(kind).ok_or_else(|| Error::bad_input(format!("unknown value kind {kind}")))?;
    let text = || super::text(data as *const u8, len, "value data").map(str::to_owned);
    Ok(match kind {
        v8r_kind::Undefined => Value::Undefined,
        v8r_kind::Null => Value::Null,
        v8r_kind::Bool => Value::Bool(boolean),
        v8r_kind::Number => Value::Number(number),
        v8r_kind::Bigint => Value::BigInt(text()?),
        v8r_kind::String => Value::String(text()?),
        v8r_kind::Json => Value::Json(text()?),
        v8r_kind::Bytes => Value::Bytes(super::bytes(data as *const u8, len, "value data")?.to_vec()),
        v8r_kind::Function => Value::Function(text()?),
        v8r_kind::Symbol => Value::Symbol(text()?),
        v8r_kind::Date => Value::Date(number),
        v8r_kind::Object | v8r_kind::Promise => {
            Value::Object(object::lookup_entry(data as *mut v8r_object)?.obj.clone())
        }
    })
}

/// The most arguments a call from C may pass (`argc`); more is
/// V8R_STATUS_BAD_INPUT.
pub const V8R_MAX_ARGS: usize = 65535;

/// Read `argc` caller values at `args` (NULL only with argc 0).
pub(crate) fn values_from_c(args: *const v8r_value, argc: usize) -> Result<Args, Error> {
    if argc > V8R_MAX_ARGS {
        return Err(Error::bad_input(format!(
            "argc {argc} is more than V8R_MAX_ARGS ({V8R_MAX_ARGS})"
        )));
    }
    if argc > 0 && args.is_null() {
        return Err(Error::bad_input("args is NULL"));
    }
    let mut out = Args::with_capacity(argc);
    for i in 0..argc {
        // SAFETY: the caller passes argc readable values.
        out.push(value_from_c(unsafe { args.add(i) })?);
    }
    Ok(out)
}

/// Reset a caller's optional result slot to undefined (NULL: nothing to do).
pub(crate) fn clear_result(out: *mut v8r_value) {
    if !out.is_null() {
        // SAFETY: documented as NULL or writable.
        unsafe { out.write(v8r_value::UNDEFINED) };
    }
}

/// Store `value` (of `runtime`) in a caller's optional result slot (NULL:
/// dropped).
pub(crate) fn store_result(out: *mut v8r_value, value: Value, runtime: &Arc<Runtime>) -> Result<(), Error> {
    if !out.is_null() {
        let value = v8r_value::from_value(value, &Arc::downgrade(runtime))?;
        // SAFETY: documented as NULL or writable.
        unsafe { out.write(value) };
    }
    Ok(())
}

/// A number value (no allocation). Any thread.
#[no_mangle]
pub extern "C" fn v8r_value_number(n: f64) -> v8r_value {
    v8r_value {
        kind: v8r_kind::Number,
        number: n,
        ..v8r_value::UNDEFINED
    }
}

/// A string value holding a copy of `len` bytes of UTF-8 at `text`
/// (release with `v8r_value_release`). Invalid UTF-8 or NULL with a
/// non-zero length give an undefined value. Any thread.
#[no_mangle]
pub extern "C" fn v8r_value_string(text: *const c_char, len: usize) -> v8r_value {
    owned_text(v8r_kind::String, text, len)
}

/// A JSON value holding a copy of `len` bytes of JSON text (parsed when it
/// reaches JS; release with `v8r_value_release`). Any thread.
#[no_mangle]
pub extern "C" fn v8r_value_json(text: *const c_char, len: usize) -> v8r_value {
    owned_text(v8r_kind::Json, text, len)
}

fn owned_text(kind: v8r_kind, text: *const c_char, len: usize) -> v8r_value {
    super::guarded(v8r_value::UNDEFINED, || {
        let made = super::text(text as *const u8, len, "text").and_then(|s| super::malloc_string(s.as_bytes()));
        match made {
            Ok(data) => v8r_value {
                kind,
                data,
                len,
                ..v8r_value::UNDEFINED
            },
            Err(_) => v8r_value::UNDEFINED,
        }
    })
}

impl v8r_value {
    pub(crate) const UNDEFINED: v8r_value = v8r_value {
        kind: v8r_kind::Undefined,
        boolean: false,
        number: 0.0,
        data: std::ptr::null_mut(),
        len: 0,
    };

    /// A value holding object handle `h` (which it owns), naming `obj`.
    pub(crate) fn of_handle(h: *mut v8r_object, obj: &ObjectRef) -> v8r_value {
        v8r_value {
            kind: if obj.is_promise() {
                v8r_kind::Promise
            } else {
                v8r_kind::Object
            },
            data: h as *mut c_char,
            ..v8r_value::UNDEFINED
        }
    }

    /// The object handle in `*v`, or NULL (not an object kind, or `v` NULL).
    pub(crate) fn handle_of(v: *const v8r_value) -> *mut v8r_object {
        if v.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: documented as a readable v8r_value; the kind read as u32.
        let (kind, data) = unsafe { (std::ptr::addr_of!((*v).kind).cast::<u32>().read(), (*v).data) };
        match v8r_kind::from_u32(kind) {
            Some(v8r_kind::Object | v8r_kind::Promise) => data as *mut v8r_object,
            _ => std::ptr::null_mut(),
        }
    }

    /// A view of `v` for C: `data` points into `v`, valid while `v` lives
    /// and never freed by C. Not for objects (see [`Lent`]).
    fn borrow(v: &Value) -> v8r_value {
        let scalar = |kind, boolean, number| v8r_value {
            kind,
            boolean,
            number,
            ..v8r_value::UNDEFINED
        };
        let bytes: &[u8] = match v {
            Value::Undefined => return v8r_value::UNDEFINED,
            Value::Null => return scalar(v8r_kind::Null, false, 0.0),
            Value::Bool(b) => return scalar(v8r_kind::Bool, *b, 0.0),
            Value::Number(n) => return scalar(v8r_kind::Number, false, *n),
            Value::Date(ms) => return scalar(v8r_kind::Date, false, *ms),
            Value::Object(_) => return v8r_value::UNDEFINED,
            Value::BigInt(s) | Value::String(s) | Value::Json(s) | Value::Function(s) | Value::Symbol(s) => {
                s.as_bytes()
            }
            Value::Bytes(b) => b,
        };
        let kind = match v {
            Value::BigInt(_) => v8r_kind::Bigint,
            Value::String(_) => v8r_kind::String,
            Value::Json(_) => v8r_kind::Json,
            Value::Function(_) => v8r_kind::Function,
            Value::Symbol(_) => v8r_kind::Symbol,
            _ => v8r_kind::Bytes,
        };
        v8r_value {
            kind,
            data: bytes.as_ptr() as *mut c_char,
            len: bytes.len(),
            ..v8r_value::UNDEFINED
        }
    }

    /// `v` (of `runtime`) for C, owning its data (freed by the receiver
    /// with `v8r_value_release`: `free()`, or the handle's release).
    pub(crate) fn from_value(v: Value, runtime: &Weak<Runtime>) -> Result<v8r_value, Error> {
        if let Value::Object(obj) = v {
            return Ok(v8r_value::of_handle(object::new_handle(runtime, obj.clone()), &obj));
        }
        let mut out = v8r_value::borrow(&v);
        if out.data.is_null() {
            return Ok(out);
        }
        out.data = match v {
            Value::Bytes(bytes) => super::into_c_buffer(bytes)?,
            Value::BigInt(s) | Value::String(s) | Value::Json(s) | Value::Function(s) | Value::Symbol(s) => {
                super::into_c_buffer(s.into_bytes())?
            }
            _ => out.data,
        };
        Ok(out)
    }
}

/// Free the buffer inside `value` and reset it to undefined. The struct
/// itself stays the caller's. NULL is a no-op; releasing twice is harmless.
/// Any thread.
#[no_mangle]
pub extern "C" fn v8r_value_release(value: *mut v8r_value) {
    if value.is_null() {
        return;
    }
    super::guarded((), || {
        let handle = v8r_value::handle_of(value);
        // SAFETY: caller passes a value filled by this library (or zeroed).
        unsafe {
            if handle.is_null() {
                libc::free((*value).data as *mut libc::c_void);
            } else {
                object::release(handle);
            }
            value.write(v8r_value::UNDEFINED);
        }
    })
}

/// Values lent to C for one callback: their data stays the library's, and
/// the object handles made for them are released when this is dropped
/// (a callback that keeps one takes `v8r_object_dup`).
pub(crate) struct Lent {
    values: SmallVec<[v8r_value; 4]>,
    handles: SmallVec<[*mut v8r_object; 2]>,
}

impl Lent {
    /// Views of `args` (values of `runtime`). Inlined: built where it is
    /// used rather than copied there.
    #[inline(always)]
    pub(crate) fn new(args: &[Value], runtime: &Weak<Runtime>) -> Lent {
        let mut lent = Lent {
            values: SmallVec::with_capacity(args.len()),
            handles: SmallVec::new(),
        };
        for a in args {
            let v = match a {
                Value::Object(obj) => {
                    let h = object::new_handle(runtime, obj.clone());
                    lent.handles.push(h);
                    v8r_value::of_handle(h, obj)
                }
                other => v8r_value::borrow(other),
            };
            lent.values.push(v);
        }
        lent
    }

    pub(crate) fn as_ptr(&self) -> *const v8r_value {
        self.values.as_ptr()
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        for h in self.handles.drain(..) {
            object::release(h);
        }
    }
}
