//! Typed values handed to C. The caller owns the `v8r_value` struct; the
//! library fills it and owns nothing after; `v8r_value_release` frees the
//! buffer inside it.

use std::ffi::c_char;

use crate::error::Error;
use crate::value::{Args, Value};

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
}

/// A JS value copied out of V8. `data` is NULL or a buffer of `len` bytes
/// plus a terminating NUL (so text can be used as a C string when it holds
/// no NUL itself), owned by the struct until `v8r_value_release`.
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
            Undefined, Null, Bool, Number, Bigint, String, Json, Bytes, Function, Symbol, Date,
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

/// Store `value` in a caller's optional result slot (NULL: dropped).
pub(crate) fn store_result(out: *mut v8r_value, value: Value) -> Result<(), Error> {
    if !out.is_null() {
        let value = v8r_value::from_value(value)?;
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

    /// A view of `v` for C: `data` points into `v`, valid while `v` lives
    /// and never freed by C (how host functions receive their arguments).
    pub(crate) fn borrow(v: &Value) -> v8r_value {
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

    /// `v` for C, owning its data (freed by the receiver with
    /// `v8r_value_release`, i.e. `free()`).
    pub(crate) fn from_value(v: Value) -> Result<v8r_value, Error> {
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
        // SAFETY: caller passes a value filled by this library (or zeroed).
        unsafe {
            libc::free((*value).data as *mut libc::c_void);
            value.write(v8r_value::UNDEFINED);
        }
    })
}
