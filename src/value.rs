//! Values crossing the boundary: a small tagged type that owns its data,
//! converted from V8 values inside a scope. Plain data is copied; a live
//! value (a Promise always, any object when the caller asks) crosses as an
//! [`ObjectRef`] into the runtime's reference table (refs.rs).

use std::sync::Arc;

use crate::refs::{ObjectRef, Refs};

/// Call arguments: a few live on the stack; bytes move into V8 uncopied.
pub type Args = smallvec::SmallVec<[Value; 4]>;

/// A JS value copied out of V8.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    /// Decimal digits, with a leading '-' when negative.
    BigInt(String),
    String(String),
    /// `JSON.stringify` of a plain object or array (and of Dates, Maps...).
    Json(String),
    /// The bytes of an ArrayBuffer or a typed array / DataView view.
    Bytes(Vec<u8>),
    /// A function, as its source text.
    Function(String),
    /// A symbol, as its description (`Symbol(desc)`).
    Symbol(String),
    /// A Date: milliseconds since the Unix epoch (NaN for an invalid date).
    Date(f64),
    /// A live value of the runtime (a Promise, or an object the caller
    /// asked to keep), valid across calls until dropped.
    Object(ObjectRef),
}

/// How V8 values become [`Value`]s: with a runtime's reference table,
/// Promises (and with `objects`, every object) become references; results
/// that cannot be copied (a cycle, a throwing `toJSON`) become references
/// too instead of failing. Without one (one-shot calls) everything is
/// copied.
#[derive(Clone, Copy, Default)]
pub struct Conv<'a> {
    pub refs: Option<&'a Arc<Refs>>,
    pub objects: bool,
}

impl<'a> Conv<'a> {
    /// Plain data copied, live values referenced in `refs`.
    pub fn with(refs: &'a Arc<Refs>) -> Conv<'a> {
        Conv {
            refs: Some(refs),
            objects: false,
        }
    }

    /// Every object referenced in `refs`.
    pub fn objects(refs: &'a Arc<Refs>) -> Conv<'a> {
        Conv {
            refs: Some(refs),
            objects: true,
        }
    }
}

/// `String(value)` as JS computes it. `None` means an exception is pending
/// in the scope (e.g. a throwing `toString`).
pub fn to_display_string(scope: &mut v8::PinScope<'_, '_>, value: v8::Local<v8::Value>) -> Option<String> {
    if value.is_symbol() {
        // String(sym) works but ToString(sym) throws; do what String() does.
        let sym: v8::Local<v8::Symbol> = value.try_into().ok()?;
        let desc = sym.description(scope);
        let desc = if desc.is_undefined() {
            String::new()
        } else {
            desc.to_rust_string_lossy(scope)
        };
        return Some(format!("Symbol({desc})"));
    }
    let s = value.to_string(scope)?;
    Some(s.to_rust_string_lossy(scope))
}

/// Convert a V8 value into a [`Value`] as `conv` says. `None` means an
/// exception is pending in the scope (a throwing `toJSON`, a cycle, ...,
/// when there is no reference table to fall back on).
pub fn from_v8(scope: &mut v8::PinScope<'_, '_>, value: v8::Local<v8::Value>, conv: Conv) -> Option<Value> {
    // Numbers first, read without a context: the commonest result and
    // argument (and never a Promise or an object).
    if let Ok(n) = v8::Local::<v8::Number>::try_from(value) {
        return Some(Value::Number(n.value()));
    }
    if let Some(refs) = conv.refs {
        if value.is_promise() || (conv.objects && value.is_object()) {
            return Some(Value::Object(refs.keep(scope, value)));
        }
    }
    if value.is_undefined() {
        return Some(Value::Undefined);
    }
    if value.is_null() {
        return Some(Value::Null);
    }
    if let Ok(b) = v8::Local::<v8::Boolean>::try_from(value) {
        return Some(Value::Bool(b.is_true()));
    }
    if value.is_big_int() {
        return Some(Value::BigInt(value.to_string(scope)?.to_rust_string_lossy(scope)));
    }
    if value.is_string() {
        return Some(Value::String(value.to_rust_string_lossy(scope)));
    }
    if value.is_symbol() {
        return to_display_string(scope, value).map(Value::Symbol);
    }
    if value.is_function() {
        return Some(Value::Function(value.to_string(scope)?.to_rust_string_lossy(scope)));
    }
    if let Ok(date) = v8::Local::<v8::Date>::try_from(value) {
        return Some(Value::Date(date.value_of()));
    }
    if let Ok(view) = v8::Local::<v8::ArrayBufferView>::try_from(value) {
        // Not copy_contents: it takes the length as a C int and panics
        // past 2 GiB. The contents are borrowed (copied into `small` only
        // when V8 keeps them on its heap), then copied once.
        let mut small = [0u8; v8::TYPED_ARRAY_MAX_SIZE_IN_HEAP];
        return Some(Value::Bytes(owned_bytes(view.get_contents(&mut small))));
    }
    if value.is_array_buffer() || value.is_shared_array_buffer() {
        // ArrayBuffer and SharedArrayBuffer share the backing-store API.
        let store = match v8::Local::<v8::ArrayBuffer>::try_from(value) {
            Ok(buffer) => buffer.get_backing_store(),
            Err(_) => v8::Local::<v8::SharedArrayBuffer>::try_from(value)
                .ok()?
                .get_backing_store(),
        };
        let len = store.byte_length();
        let bytes = match store.data() {
            // SAFETY: data() points at byte_length() live bytes while the
            // store is held and no JS runs.
            Some(ptr) if len > 0 => owned_bytes(unsafe { std::slice::from_raw_parts(ptr.as_ptr() as *const u8, len) }),
            _ => Vec::new(),
        };
        return Some(Value::Bytes(bytes));
    }
    let Some(refs) = conv.refs else {
        let json = v8::json::stringify(scope, value)?;
        return Some(Value::Json(json.to_rust_string_lossy(scope)));
    };
    // A value JSON cannot copy comes back as a reference: the call that
    // made it succeeded, and its result is not lost.
    v8::tc_scope!(let tc, scope);
    if let Some(json) = v8::json::stringify(tc, value) {
        return Some(Value::Json(json.to_rust_string_lossy(tc)));
    }
    if tc.has_terminated() {
        return None;
    }
    tc.reset();
    Some(Value::Object(refs.keep(tc, value)))
}

/// `strings` as a JSON array.
pub fn json_string_array(strings: &[String]) -> String {
    let mut out = String::from("[");
    for (i, s) in strings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_quote(&mut out, s);
    }
    out.push(']');
    out
}

fn json_quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A copy of `bytes` with room for one more byte: the NUL that C buffers
/// end with, so handing it to C needs no second copy.
fn owned_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.extend_from_slice(bytes);
    out
}

/// Make a V8 value from a [`Value`]. JSON that does not parse, a BigInt
/// that is not decimal digits, or a reference into another runtime's table
/// (`refs`) gives an error message.
pub fn to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: &Value,
    refs: Option<&Arc<Refs>>,
) -> Result<v8::Local<'s, v8::Value>, String> {
    let too_large = || "value too large for V8".to_string();
    Ok(match value {
        Value::Undefined => v8::undefined(scope).into(),
        Value::Null => v8::null(scope).into(),
        Value::Bool(b) => v8::Boolean::new(scope, *b).into(),
        Value::Number(n) => v8::Number::new(scope, *n).into(),
        Value::BigInt(digits) => bigint_from_decimal(scope, digits)?.into(),
        Value::Date(ms) => v8::Date::new(scope, *ms)
            .ok_or_else(|| "invalid date".to_string())?
            .into(),
        Value::String(s) | Value::Function(s) | Value::Symbol(s) => {
            v8::String::new(scope, s).ok_or_else(too_large)?.into()
        }
        Value::Json(text) => {
            let text = v8::String::new(scope, text).ok_or_else(too_large)?;
            v8::tc_scope!(let tc, scope);
            match v8::json::parse(tc, text) {
                Some(v) => return Ok(v),
                None => return Err("invalid JSON".to_string()),
            }
        }
        Value::Bytes(bytes) => bytes_to_v8(scope, bytes.clone())?,
        Value::Object(r) => match refs {
            Some(refs) => refs.get(scope, r)?,
            None => return Err("an object reference cannot cross into a one-shot call".into()),
        },
    })
}

/// [`to_v8`] taking the value: bytes become V8's memory without a copy.
pub fn into_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    value: Value,
    refs: Option<&Arc<Refs>>,
) -> Result<v8::Local<'s, v8::Value>, String> {
    match value {
        Value::Bytes(bytes) => bytes_to_v8(scope, bytes),
        other => to_v8(scope, &other, refs),
    }
}

/// A Uint8Array over `bytes`, which V8 takes over.
fn bytes_to_v8<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: Vec<u8>) -> Result<v8::Local<'s, v8::Value>, String> {
    let len = bytes.len();
    let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
    let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
    Ok(v8::Uint8Array::new(scope, buffer, 0, len)
        .ok_or_else(|| "value too large for V8".to_string())?
        .into())
}

/// The most decimal digits a BigInt from the host may have (parsing is
/// quadratic: a million digits take about a second).
pub const MAX_BIGINT_DIGITS: usize = 1_000_000;

/// A BigInt from optional '-' and decimal digits.
fn bigint_from_decimal<'s>(scope: &mut v8::PinScope<'s, '_>, text: &str) -> Result<v8::Local<'s, v8::BigInt>, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let shown: String = text.chars().take(40).collect();
        return Err(format!("not a decimal BigInt: {shown:?}"));
    }
    if digits.len() > MAX_BIGINT_DIGITS {
        return Err(format!(
            "BigInt of {} digits is more than the {MAX_BIGINT_DIGITS} the host may pass",
            digits.len()
        ));
    }
    // Little-endian 64-bit words: words = words * 10^k + chunk, 19 digits
    // (the most below 2^64) at a time.
    let mut words: Vec<u64> = vec![0];
    for chunk in digits.as_bytes().chunks(19) {
        let scale = 10u128.pow(chunk.len() as u32);
        let mut carry = chunk.iter().fold(0u128, |n, &b| n * 10 + (b - b'0') as u128);
        for w in words.iter_mut() {
            let x = (*w as u128) * scale + carry;
            *w = x as u64;
            carry = x >> 64;
        }
        if carry > 0 {
            words.push(carry as u64);
        }
    }
    v8::BigInt::new_from_words(scope, negative, &words).ok_or_else(|| "BigInt too large".to_string())
}
