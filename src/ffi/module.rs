//! ES modules in the C ABI: a loader callback, importing by name or from
//! source, and host-defined modules.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use super::code_cache::give_bytes;
use super::error::v8r_error;
use super::foreign::{v8r_finalizer_fn, ForeignData};
use super::object::{new_handle, v8r_object};
use super::runtime::{lookup, v8r_runtime};
use super::value::{v8r_value, value_from_c};
use super::{boundary, c_text, text, write_out};
use crate::error::{Error, Status};
use crate::module::{Loaded, ModuleSource};

/// `v8r_module_source.kind`: JavaScript module source.
pub const V8R_MODULE_JAVASCRIPT: u32 = 0;
/// `v8r_module_source.kind`: JSON text (its default export; importers
/// must say `with { type: 'json' }`).
pub const V8R_MODULE_JSON: u32 = 1;
/// Loader flag: only the canonical name is wanted (`import.meta.resolve`);
/// `source` may stay NULL.
pub const V8R_RESOLVE_ONLY: u32 = 1;

/// What a module loader fills in. All pointers start NULL; what the loader
/// sets must come from malloc, and the library frees it.
#[repr(C)]
pub struct v8r_module_source {
    /// The canonical name (NUL-terminated UTF-8): the cache key, the
    /// module's `import.meta.url` and the referrer of its own imports.
    pub name: *mut c_char,
    /// `len` bytes of UTF-8: the source, or on failure the error message.
    pub source: *mut c_char,
    pub len: usize,
    /// V8R_MODULE_JAVASCRIPT or V8R_MODULE_JSON.
    pub kind: u32,
    /// Optional: `cache_len` bytes of code cache for this source (from
    /// `v8r_runtime_module_code_cache` of an earlier load); data V8 cannot
    /// use is ignored (the module compiles in full).
    pub cache: *mut u8,
    pub cache_len: usize,
}

/// Resolves `specifier` (NUL-terminated) imported by the module named
/// `referrer` ("" for a top-level import; a script's resource name for
/// `import()` in a script) and loads it: return V8R_STATUS_OK with `out`
/// filled, or any other status with an error message in `out->source`.
/// Each canonical name is loaded once per runtime. Runs on the runtime's
/// thread, inside the import; must not call into the runtime.
pub type v8r_module_loader = Option<
    extern "C" fn(
        data: *mut c_void,
        specifier: *const c_char,
        referrer: *const c_char,
        flags: u32,
        out: *mut v8r_module_source,
    ) -> Status,
>;
type RawLoader = extern "C" fn(*mut c_void, *const c_char, *const c_char, u32, *mut v8r_module_source) -> u32;

/// Set the loader of `rt`'s ES modules (replacing one set before, whose
/// finalizer then runs). `finalizer(data)` runs when the loader is let go
/// (replaced, or the runtime freed). Threads: as `v8r_runtime_register`.
#[no_mangle]
pub extern "C" fn v8r_runtime_set_module_loader(
    rt: *mut v8r_runtime,
    loader: v8r_module_loader,
    data: *mut c_void,
    finalizer: v8r_finalizer_fn,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let runtime = lookup(rt)?;
        let loader = loader.ok_or_else(|| Error::bad_input("loader is NULL"))?;
        // SAFETY: same ABI; the status is read as a number and validated.
        let loader: RawLoader = unsafe { std::mem::transmute(loader) };
        let (owner, arming) = ForeignData::unarmed(data, finalizer);
        let call = move |specifier: &str, referrer: &str, resolve_only: bool| -> Result<Loaded, String> {
            call_loader(loader, &owner, specifier, referrer, resolve_only)
        };
        runtime.set_module_loader(Arc::new(call))?;
        arming.arm();
        Ok(())
    })
}

fn call_loader(
    loader: RawLoader,
    owner: &ForeignData,
    specifier: &str,
    referrer: &str,
    resolve_only: bool,
) -> Result<Loaded, String> {
    let cstr = |s: &str| std::ffi::CString::new(s).map_err(|_| format!("{s:?} holds a NUL byte"));
    let (spec, from) = (cstr(specifier)?, cstr(referrer)?);
    let mut out = v8r_module_source {
        name: std::ptr::null_mut(),
        source: std::ptr::null_mut(),
        len: 0,
        kind: V8R_MODULE_JAVASCRIPT,
        cache: std::ptr::null_mut(),
        cache_len: 0,
    };
    let flags = if resolve_only { V8R_RESOLVE_ONLY } else { 0 };
    let code = loader(owner.ptr(), spec.as_ptr(), from.as_ptr(), flags, &mut out);
    let kind = out.kind;
    let taken = Taken(&mut out);
    let name = taken.name();
    let source = taken.source();
    let cache = taken.cache();
    drop(taken);
    match Status::from_u32(code) {
        Some(Status::Ok) => {}
        _ => return Err(source.unwrap_or_else(|| format!("the loader failed (status {code})"))),
    }
    let name = name.ok_or("the loader gave no name")?;
    let source = match (resolve_only, source, kind) {
        (true, _, _) => None,
        (false, None, _) => return Err(format!("the loader gave no source for {name}")),
        (false, Some(s), V8R_MODULE_JSON) => Some(ModuleSource::Json(s)),
        (false, Some(s), V8R_MODULE_JAVASCRIPT) => Some(ModuleSource::JavaScript(s)),
        (false, Some(_), kind) => return Err(format!("the loader gave kind {kind}, not a module kind")),
    };
    Ok(Loaded { name, source, cache })
}

/// A loader's output, freed when dropped.
struct Taken<'a>(&'a mut v8r_module_source);

impl Taken<'_> {
    fn name(&self) -> Option<String> {
        if self.0.name.is_null() {
            return None;
        }
        // SAFETY: the loader set a NUL-terminated string.
        Some(unsafe { CStr::from_ptr(self.0.name) }.to_string_lossy().into_owned())
    }

    fn source(&self) -> Option<String> {
        if self.0.source.is_null() {
            return None;
        }
        // SAFETY: the loader set `len` readable bytes.
        let b = unsafe { std::slice::from_raw_parts(self.0.source as *const u8, self.0.len) };
        Some(String::from_utf8_lossy(b).into_owned())
    }
}

impl Taken<'_> {
    fn cache(&self) -> Option<Vec<u8>> {
        if self.0.cache.is_null() || self.0.cache_len == 0 {
            return None;
        }
        // SAFETY: the loader set `cache_len` readable bytes.
        Some(unsafe { std::slice::from_raw_parts(self.0.cache, self.0.cache_len) }.to_vec())
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        // SAFETY: documented as malloc'd (or NULL), the library's to free.
        unsafe {
            libc::free(self.0.name as *mut libc::c_void);
            libc::free(self.0.source as *mut libc::c_void);
            libc::free(self.0.cache as *mut libc::c_void);
        }
    }
}

/// Store V8's code cache for module `name` (compiled in this runtime) in
/// `*out` (`*out_len` bytes from malloc: free() it), for a loader to give
/// back in `v8r_module_source.cache` at a later load (any runtime of this
/// build, any run). `*from_cache` (may be NULL) says whether this
/// runtime's compile of it already came from an accepted cache (then
/// there is nothing new to save). Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_module_code_cache(
    rt: *mut v8r_runtime,
    name: *const c_char,
    out: *mut *mut u8,
    out_len: *mut usize,
    from_cache: *mut bool,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        write_out(out_len, 0, "out_len")?;
        let runtime = lookup(rt)?;
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        let (cache, used) = runtime.module_code_cache(name)?;
        give_bytes(&cache, out, out_len)?;
        if !from_cache.is_null() {
            // SAFETY: documented as NULL or writable.
            unsafe { *from_cache = used == crate::module::CacheUse::Accepted };
        }
        Ok(())
    })
}

/// Import module `specifier` (NUL-terminated; resolved by the loader from
/// `referrer`, NULL for none), run it and the modules it imports, wait for
/// its top-level await (running the loop as `v8r_object_await` does), and
/// store its namespace object in `*out` (a handle the caller frees). A
/// module that threw gives the same exception at every later import; a
/// syntax error is V8R_STATUS_SYNTAX_ERROR naming the module. `call_id`
/// as for `v8r_runtime_eval_with`. Threads: as `v8r_runtime_run`.
#[no_mangle]
pub extern "C" fn v8r_runtime_import(
    rt: *mut v8r_runtime,
    specifier: *const c_char,
    referrer: *const c_char,
    call_id: u64,
    out: *mut *mut v8r_object,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        let specifier = c_text(specifier, "specifier")?.ok_or_else(|| Error::bad_input("specifier is NULL"))?;
        let referrer = c_text(referrer, "referrer")?.unwrap_or("");
        let namespace = runtime.import(specifier, referrer, None, call_id)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = new_handle(&Arc::downgrade(&runtime), namespace) };
        Ok(())
    })
}

/// `v8r_runtime_import` of `len` bytes of module source given here, as
/// the module named `name` (its `import.meta.url`; its imports resolve
/// from it).
#[no_mangle]
pub extern "C" fn v8r_runtime_eval_module(
    rt: *mut v8r_runtime,
    source: *const u8,
    len: usize,
    name: *const c_char,
    call_id: u64,
    out: *mut *mut v8r_object,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        write_out(out, std::ptr::null_mut(), "out")?;
        let runtime = lookup(rt)?;
        let source = text(source, len, "source")?;
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        let namespace = runtime.import(name, "", Some(source), call_id)?;
        // SAFETY: checked non-NULL above.
        unsafe { *out = new_handle(&Arc::downgrade(&runtime), namespace) };
        Ok(())
    })
}

/// Define the host module `name` (imported by exactly that specifier, e.g.
/// "host:kv"), whose exports are `names[i]` = a copy of `values[i]` (an
/// object handle, e.g. a function from `v8r_runtime_new_function`, is
/// exported as that object). V8R_STATUS_EXISTS if defined before.
/// Threads: as `v8r_runtime_register`.
#[no_mangle]
pub extern "C" fn v8r_runtime_define_module(
    rt: *mut v8r_runtime,
    name: *const c_char,
    names: *const *const c_char,
    values: *const v8r_value,
    count: usize,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        let runtime = lookup(rt)?;
        let name = c_text(name, "name")?.ok_or_else(|| Error::bad_input("name is NULL"))?;
        if count > 0 && (names.is_null() || values.is_null()) {
            return Err(Error::bad_input("names or values is NULL"));
        }
        let mut exports = Vec::with_capacity(count);
        for i in 0..count {
            // SAFETY: the caller passes `count` readable entries.
            let key = c_text(unsafe { *names.add(i) }, "export name")?
                .ok_or_else(|| Error::bad_input("export name is NULL"))?;
            let value = value_from_c(unsafe { values.add(i) })?;
            exports.push((key.to_string(), value));
        }
        runtime.define_module(name, exports)
    })
}
