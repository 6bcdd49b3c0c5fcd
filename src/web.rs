//! The web platform's basics in every runtime (src/web.js): compiled on the
//! first read of one of its globals, each group made on first use; the
//! few natives it needs (randomness, the wall clock, UTF-8, V8's
//! structured clone, URL parsing) live here.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use v8::{ValueDeserializerHelper, ValueSerializerHelper};

use crate::error::{Error, Status};

/// The globals src/web.js defines; each is a lazy data property of the
/// global object until then.
const GLOBALS: [&str; 20] = [
    "DOMException",
    "Event",
    "EventTarget",
    "CustomEvent",
    "AbortController",
    "AbortSignal",
    "TextEncoder",
    "TextDecoder",
    "atob",
    "btoa",
    "structuredClone",
    "performance",
    "Performance",
    "PerformanceEntry",
    "PerformanceMark",
    "PerformanceMeasure",
    "crypto",
    "Crypto",
    "URL",
    "URLSearchParams",
];

/// The natives src/web.js uses (added to the prelude's `native` object,
/// never visible to scripts, beside the prelude's own).
pub(crate) fn natives() -> [(&'static str, v8::FunctionCallback); 6] {
    [
        ("randomFill", v8::MapFnTo::map_fn_to(random_fill)),
        ("wallClock", v8::MapFnTo::map_fn_to(wall_clock)),
        ("utf8Encode", v8::MapFnTo::map_fn_to(utf8_encode)),
        ("clone", v8::MapFnTo::map_fn_to(structured_clone)),
        ("urlParse", v8::MapFnTo::map_fn_to(url_parse)),
        ("urlSet", v8::MapFnTo::map_fn_to(url_set)),
    ]
}

/// The accessor behind every lazy web global (for snapshots).
pub(crate) fn accessors() -> [*mut std::ffi::c_void; 1] {
    let getter: v8::AccessorNameGetterCallback = v8::MapFnTo::map_fn_to(first_read);
    [getter as *mut std::ffi::c_void]
}

/// Install the web globals, lazily: each is a lazy data property, so that
/// a runtime pays for compiling src/web.js only when a script first reads
/// one of them. The getter finds [`natives`] through the runtime, not
/// through the property's data: V8 would serialize that data into a
/// snapshot's context-independent part, which then breaks.
pub(crate) fn install(scope: &mut v8::PinScope) -> Result<(), Error> {
    let internal = |what: &str| Error::new(Status::Internal, format!("installing the web APIs: {what}"));
    let global = scope.get_current_context().global(scope);
    for name in GLOBALS {
        let key = v8::String::new(scope, name).ok_or_else(|| internal(name))?;
        global
            .set_lazy_data_property_with_data(
                scope,
                key.into(),
                first_read,
                v8::undefined(scope).into(),
                v8::PropertyAttribute::DONT_ENUM,
                v8::SideEffectType::HasSideEffect,
                v8::SideEffectType::HasSideEffect,
            )
            .ok_or_else(|| internal(name))?;
    }
    Ok(())
}

/// The first read of a web global: run src/web.js (once per context),
/// which returns a function that makes a global's group and gives its
/// value; V8 keeps that value as a plain data property from then on.
fn first_read(
    scope: &mut v8::PinScope,
    key: v8::Local<v8::Name>,
    _args: v8::PropertyCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    guarded(scope, |scope| {
        let Some(native) = crate::natives::core_of(scope).and_then(|core| crate::natives::native_object(scope, core))
        else {
            return crate::host::throw_error(scope, "web API without its natives");
        };
        let resolver_key = v8::String::new(scope, "webResolve").unwrap_or_else(|| v8::String::empty(scope));
        let resolver = match native
            .get(scope, resolver_key.into())
            .map(v8::Local::<v8::Function>::try_from)
        {
            Some(Ok(f)) => f,
            _ => {
                static CACHE: crate::isolate::BuiltinCache = crate::isolate::BuiltinCache::new();
                let Some(script) = CACHE.compile(scope, include_str!("web.js"), "v8runner:web") else {
                    return crate::host::throw_error(scope, "web APIs: cannot compile");
                };
                let Some(factory) = script
                    .run(scope)
                    .and_then(|f| v8::Local::<v8::Function>::try_from(f).ok())
                else {
                    return;
                };
                let recv = v8::undefined(scope).into();
                let Some(Ok(f)) = factory
                    .call(scope, recv, &[native.into()])
                    .map(v8::Local::<v8::Function>::try_from)
                else {
                    return;
                };
                native.set(scope, resolver_key.into(), f.into());
                CACHE.remember(scope, script);
                f
            }
        };
        let recv = v8::undefined(scope).into();
        if let Some(value) = resolver.call(scope, recv, &[key.into()]) {
            rv.set(value);
        }
    });
}

/// Run `body`, turning a panic into a JS Error: nothing unwinds into V8.
fn guarded(scope: &mut v8::PinScope, body: impl FnOnce(&mut v8::PinScope)) {
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(scope))) {
        let message = crate::error::panic_message(&*p);
        crate::host::throw_error(scope, &format!("internal error: {message}"));
    }
}

/// `randomFill(u8)`: the OS's randomness into a Uint8Array, returned.
fn random_fill(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    guarded(scope, |scope| {
        let Ok(view) = v8::Local::<v8::Uint8Array>::try_from(args.get(0)) else {
            return crate::host::throw_error(scope, "randomFill: not a Uint8Array");
        };
        let Some(buffer) = view.buffer(scope) else {
            return crate::host::throw_error(scope, "randomFill: detached buffer");
        };
        let (len, offset) = (view.byte_length(), view.byte_offset());
        let store = buffer.get_backing_store();
        if let Some(data) = store.data().filter(|_| offset + len <= store.byte_length()) {
            // SAFETY: within the live backing store (checked above); this
            // thread holds the isolate, so no JS touches it meanwhile.
            let bytes = unsafe { std::slice::from_raw_parts_mut((data.as_ptr() as *mut u8).add(offset), len) };
            if !fill_random(bytes) {
                return crate::host::throw_error(scope, "no randomness from the operating system");
            }
        }
        rv.set(args.get(0));
    });
}

/// Fill `buf` from getrandom(2), retrying short reads and interrupts.
pub(crate) fn fill_random(buf: &mut [u8]) -> bool {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: writes at most the remaining bytes of `buf`.
        let n = unsafe { libc::getrandom(buf[done..].as_mut_ptr().cast(), buf.len() - done, 0) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return false;
        }
        done += n as usize;
    }
    true
}

/// `wallClock()`: milliseconds since the Unix epoch (fractional).
fn wall_clock(_scope: &mut v8::PinScope, _args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3);
    rv.set_double(ms);
}

/// `utf8Encode(string)`: a new Uint8Array of the (well-formed) string's UTF-8.
fn utf8_encode(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    guarded(scope, |scope| {
        let Ok(text) = v8::Local::<v8::String>::try_from(args.get(0)) else {
            return crate::host::throw_error(scope, "utf8Encode: not a string");
        };
        let bytes = text.to_rust_string_lossy(scope).into_bytes();
        let len = bytes.len();
        let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
        let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
        if let Some(view) = v8::Uint8Array::new(scope, buffer, 0, len) {
            rv.set(view.into());
        }
    });
}

/// What one structured clone shares between its serializer and
/// deserializer: V8's reason when a value cannot be cloned, and the
/// SharedArrayBuffers met (their clones share the same memory, as in Node
/// and in browsers' same-agent clones).
#[derive(Default)]
struct CloneState {
    failure: Cell<Option<String>>,
    shared: std::cell::RefCell<Vec<v8::SharedRef<v8::BackingStore>>>,
}

struct CloneSide(Rc<CloneState>);

impl v8::ValueSerializerImpl for CloneSide {
    fn throw_data_clone_error<'s>(&self, scope: &mut v8::PinScope<'s, '_>, message: v8::Local<'s, v8::String>) {
        self.0.failure.set(Some(message.to_rust_string_lossy(scope)));
        // Something must be thrown for V8 to stop; the caller replaces it.
        scope.throw_exception(message.into());
    }

    fn get_shared_array_buffer_id<'s>(
        &self,
        _scope: &mut v8::PinScope<'s, '_>,
        buffer: v8::Local<'s, v8::SharedArrayBuffer>,
    ) -> Option<u32> {
        let mut shared = self.0.shared.borrow_mut();
        shared.push(buffer.get_backing_store());
        u32::try_from(shared.len() - 1).ok()
    }
}

impl v8::ValueDeserializerImpl for CloneSide {
    fn get_shared_array_buffer_from_id<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        id: u32,
    ) -> Option<v8::Local<'s, v8::SharedArrayBuffer>> {
        let store = self.0.shared.borrow().get(id as usize).cloned()?;
        Some(v8::SharedArrayBuffer::with_backing_store(scope, &store))
    }
}

/// `clone(value)`: [copy] by V8's structured serialization, or the reason
/// (a string) it cannot be cloned, which web.js throws as a DataCloneError.
/// An exception of the value's own (a throwing getter) propagates.
fn structured_clone(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    guarded(scope, |scope| {
        let context = scope.get_current_context();
        let state = Rc::new(CloneState::default());
        let bytes = {
            v8::tc_scope!(let tc, scope);
            let serializer = v8::ValueSerializer::new(tc, Box::new(CloneSide(Rc::clone(&state))));
            serializer.write_header();
            let wrote = serializer.write_value(context, args.get(0));
            let reason = state.failure.take();
            match (wrote, reason) {
                (Some(true), _) => serializer.release(),
                (_, Some(reason)) => {
                    tc.reset();
                    if let Some(s) = v8::String::new(tc, &reason) {
                        rv.set(s.into());
                    }
                    return;
                }
                _ => {
                    if tc.has_caught() {
                        tc.rethrow();
                    }
                    return;
                }
            }
        };
        let deserializer = v8::ValueDeserializer::new(scope, Box::new(CloneSide(state)), &bytes);
        if deserializer.read_header(context) != Some(true) {
            return crate::host::throw_error(scope, "structuredClone: cannot read back its own data");
        }
        if let Some(copy) = deserializer.read_value(context) {
            let wrapper = v8::Array::new_with_elements(scope, &[copy]);
            rv.set(wrapper.into());
        }
    });
}

/// A URL's components in the order src/web.js reads them (`PARTS`).
fn url_parts<'s>(scope: &mut v8::PinScope<'s, '_>, url: &url::Url) -> v8::Local<'s, v8::Value> {
    use url::quirks;
    let parts = [
        quirks::href(url),
        &quirks::origin(url),
        quirks::protocol(url),
        quirks::username(url),
        quirks::password(url),
        quirks::host(url),
        quirks::hostname(url),
        quirks::port(url),
        quirks::pathname(url),
        quirks::search(url),
        quirks::hash(url),
    ]
    .map(|p| v8::String::new(scope, p).map_or_else(|| v8::undefined(scope).into(), Into::into));
    v8::Array::new_with_elements(scope, &parts).into()
}

fn string_arg(scope: &mut v8::PinScope, v: v8::Local<v8::Value>) -> Option<String> {
    v.is_string().then(|| v.to_rust_string_lossy(scope))
}

/// `urlParse(input, base?)`: the parsed URL's components, or null.
fn url_parse(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    guarded(scope, |scope| {
        let input = string_arg(scope, args.get(0)).unwrap_or_default();
        let parsed = match string_arg(scope, args.get(1)) {
            Some(base) => url::Url::parse(&base).and_then(|b| b.join(&input)),
            None => url::Url::parse(&input),
        };
        match parsed {
            Ok(url) => {
                let parts = url_parts(scope, &url);
                rv.set(parts);
            }
            Err(_) => rv.set_null(),
        }
    });
}

/// `urlSet(href, part, value)`: the components after the standard's setter
/// for `part`, or null when it refused (only `href` reports that; other
/// setters that do nothing give the unchanged URL).
fn url_set(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    guarded(scope, |scope| {
        use url::quirks;
        let href = string_arg(scope, args.get(0)).unwrap_or_default();
        let part = string_arg(scope, args.get(1)).unwrap_or_default();
        let value = string_arg(scope, args.get(2)).unwrap_or_default();
        let Ok(mut url) = url::Url::parse(&href) else {
            return rv.set_null();
        };
        let ok = match part.as_str() {
            "href" => quirks::set_href(&mut url, &value).is_ok(),
            "protocol" => {
                // A value the setter refuses leaves the URL as it was.
                let _ = quirks::set_protocol(&mut url, &value);
                true
            }
            "username" => {
                // A value the setter refuses leaves the URL as it was.
                let _ = quirks::set_username(&mut url, &value);
                true
            }
            "password" => {
                // A value the setter refuses leaves the URL as it was.
                let _ = quirks::set_password(&mut url, &value);
                true
            }
            "host" => {
                // A value the setter refuses leaves the URL as it was.
                let _ = quirks::set_host(&mut url, &value);
                true
            }
            "hostname" => {
                // A value the setter refuses leaves the URL as it was.
                let _ = quirks::set_hostname(&mut url, &value);
                true
            }
            "port" => {
                // A value the setter refuses leaves the URL as it was.
                let _ = quirks::set_port(&mut url, &value);
                true
            }
            "pathname" => {
                quirks::set_pathname(&mut url, &value);
                true
            }
            "search" => {
                quirks::set_search(&mut url, &value);
                true
            }
            "hash" => {
                quirks::set_hash(&mut url, &value);
                true
            }
            _ => false,
        };
        if ok {
            let parts = url_parts(scope, &url);
            rv.set(parts);
        } else {
            rv.set_null();
        }
    });
}
