//! ES modules: the host's loader resolves a specifier against the
//! importing module's canonical name and gives the module's source; each
//! module is compiled once per runtime and cached by canonical name, so
//! cycles and shared dependencies resolve to the same instance. Static
//! imports, re-exports and dynamic `import()` all go through the loader;
//! JSON modules (`with { type: 'json' }`) and host-defined modules (whose
//! exports the host gives) are synthetic modules.
//!
//! The whole graph is fetched before V8 instantiates it, so V8's resolve
//! callback only looks up what the fetch recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::core::Core;
use crate::entry::active_core;
use crate::error::{Error, Status};
use crate::isolate;
use crate::value::{self, Value};

/// A module's source, as the loader gives it.
pub enum ModuleSource {
    JavaScript(String),
    /// JSON text: the module's default export.
    Json(String),
}

/// What the loader found for a specifier: the canonical name (the cache
/// key, `import.meta.url`, the referrer of its own imports) and, unless
/// only resolution was asked for, the source.
pub struct Loaded {
    pub name: String,
    pub source: Option<ModuleSource>,
    /// V8 code cache data for the source (from [`code_cache`] of an
    /// earlier load); rejected data is ignored.
    pub cache: Option<Vec<u8>>,
}

/// How a module's compile used the code cache the loader gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// None was given (or the module is not source text).
    None,
    Accepted,
    /// Given but unusable (stale, foreign, corrupt): compiled in full.
    Rejected,
}

/// The host's loader: `(specifier, referrer, resolve_only)`. The referrer
/// is the importing module's canonical name (a script's resource name for
/// `import()` in a classic script; "" for a top-level import). An error is
/// a message, reported with where the import was.
pub type Loader = Arc<dyn Fn(&str, &str, bool) -> Result<Loaded, String> + Send + Sync>;

/// A runtime's modules (see the module doc).
#[derive(Default)]
pub(crate) struct Modules {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    loader: Option<Loader>,
    by_name: HashMap<String, v8::Global<v8::Module>>,
    /// Canonical names by identity hash (hashes may collide).
    names: HashMap<i32, Vec<(v8::Global<v8::Module>, String)>>,
    /// (referrer, specifier) → canonical name, for V8's resolve callback.
    resolved: HashMap<(String, String), String>,
    /// Text of JSON modules, until they are evaluated.
    json: HashMap<String, String>,
    /// Host-defined modules: name → exports.
    host: HashMap<String, Vec<(String, Value)>>,
    /// How each source-text module's compile used its code cache.
    cache_use: HashMap<String, CacheUse>,
}

impl Modules {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_loader(&self, loader: Loader) {
        self.lock().loader = Some(loader);
    }

    /// Define host module `name` with `exports`; refused once defined.
    pub(crate) fn define(&self, name: &str, exports: Vec<(String, Value)>) -> Result<(), Error> {
        let mut st = self.lock();
        if st.host.contains_key(name) || st.by_name.contains_key(name) {
            return Err(Error::new(Status::Exists, format!("module {name:?} exists already")));
        }
        st.host.insert(name.to_string(), exports);
        Ok(())
    }

    /// Modules compiled or defined so far.
    pub(crate) fn count(&self) -> usize {
        let st = self.lock();
        st.by_name.len() + st.host.len()
    }

    /// The V8 handles, for the runtime to drop under its isolate lock.
    pub(crate) fn take_handles(&self) -> impl Send {
        let mut st = self.lock();
        (
            std::mem::take(&mut st.by_name),
            std::mem::take(&mut st.names),
            std::mem::take(&mut st.host),
        )
    }

    fn name_of(&self, scope: &mut v8::PinScope, module: v8::Local<v8::Module>) -> Option<String> {
        let st = self.lock();
        let entries = st.names.get(&module.get_identity_hash().get())?;
        entries
            .iter()
            .find(|(m, _)| v8::Local::new(scope, m) == module)
            .map(|(_, n)| n.clone())
    }

    fn record(&self, scope: &mut v8::PinScope, name: &str, module: v8::Local<v8::Module>) {
        let mut st = self.lock();
        st.by_name.insert(name.to_string(), v8::Global::new(scope, module));
        st.names
            .entry(module.get_identity_hash().get())
            .or_default()
            .push((v8::Global::new(scope, module), name.to_string()));
    }

    fn forget(&self, scope: &mut v8::PinScope, name: &str, module: v8::Local<v8::Module>) {
        let mut st = self.lock();
        st.by_name.remove(name);
        if let Some(entries) = st.names.get_mut(&module.get_identity_hash().get()) {
            entries.retain(|(m, _)| v8::Local::new(scope, m) != module);
        }
    }

    fn cached<'s>(&self, scope: &mut v8::PinScope<'s, '_>, name: &str) -> Option<v8::Local<'s, v8::Module>> {
        self.lock().by_name.get(name).map(|m| v8::Local::new(scope, m))
    }

    fn loader(&self) -> Option<Loader> {
        self.lock().loader.clone()
    }
}

/// Resolve (and, unless `resolve_only`, load) `specifier` from `referrer`:
/// a host module by its exact name, else the loader.
fn load(core: &Core, specifier: &str, referrer: &str, resolve_only: bool) -> Result<Loaded, String> {
    if core.modules.lock().host.contains_key(specifier) {
        return Ok(Loaded {
            name: specifier.to_string(),
            source: None,
            cache: None,
        });
    }
    let loader = core
        .modules
        .loader()
        .ok_or_else(|| "no module loader is set on this runtime".to_string())?;
    let loaded = loader(specifier, referrer, resolve_only)?;
    if loaded.name.is_empty() {
        return Err("the loader gave an empty name".into());
    }
    Ok(loaded)
}

/// Throw `message` as an Error in the scope.
fn throw(scope: &mut v8::PinScope, message: &str) {
    crate::host::throw_error(scope, message);
}

/// The module `specifier` names from `referrer`, with its whole graph
/// fetched and compiled (cached by canonical name). `None`: an exception
/// is pending in the scope (a loader error, a syntax error...).
fn fetch<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    core: &Core,
    specifier: &str,
    referrer: &str,
    json: bool,
    given: Option<String>,
) -> Option<v8::Local<'s, v8::Module>> {
    let failed = |scope: &mut v8::PinScope, m: String| {
        let from = if referrer.is_empty() {
            String::new()
        } else {
            format!(" from {referrer}")
        };
        throw(scope, &format!("cannot load module {specifier:?}{from}: {m}"));
    };
    let loaded = match given {
        Some(source) => Loaded {
            name: specifier.to_string(),
            source: Some(ModuleSource::JavaScript(source)),
            cache: None,
        },
        None => {
            // Each module's source is loaded once: a known name needs only
            // resolving (and a pair seen before, not even that).
            let key = (referrer.to_string(), specifier.to_string());
            let known = core.modules.lock().resolved.get(&key).cloned();
            let name = match known {
                Some(name) => name,
                None => match load(core, specifier, referrer, true) {
                    Ok(l) => l.name,
                    Err(m) => {
                        failed(scope, m);
                        return None;
                    }
                },
            };
            if let Some(m) = core.modules.cached(scope, &name) {
                core.modules.lock().resolved.insert(key, name);
                return Some(m);
            }
            match load(core, specifier, referrer, false) {
                Ok(l) => l,
                Err(m) => {
                    failed(scope, m);
                    return None;
                }
            }
        }
    };
    if let Some(m) = core.modules.cached(scope, &loaded.name) {
        return Some(m);
    }
    let name = loaded.name;
    let cache = loaded.cache;
    let host_exports = core
        .modules
        .lock()
        .host
        .get(&name)
        .map(|e| e.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>());
    let module = match (loaded.source, host_exports) {
        (_, Some(exports)) => synthetic(scope, &name, &exports)?,
        (Some(ModuleSource::Json(text)), None) => {
            if !json {
                throw(
                    scope,
                    &format!("{name} is a JSON module: import it with {{ type: 'json' }}"),
                );
                return None;
            }
            core.modules.lock().json.insert(name.clone(), text);
            synthetic(scope, &name, &["default".to_string()])?
        }
        (Some(ModuleSource::JavaScript(text)), None) => {
            if json {
                throw(
                    scope,
                    &format!("{name} is not a JSON module (imported with type 'json')"),
                );
                return None;
            }
            let (module, used) = compile(scope, &name, &text, cache.as_deref())?;
            core.modules.lock().cache_use.insert(name.clone(), used);
            module
        }
        (None, None) => {
            throw(scope, &format!("the loader gave no source for {name}"));
            return None;
        }
    };
    core.modules.record(scope, &name, module);
    if module.is_source_text_module() && fetch_requests(scope, core, module, &name).is_none() {
        // Not cached half-fetched: a later import tries again and fails
        // the same way (a module that ran and threw stays, with its error).
        core.modules.forget(scope, &name, module);
        return None;
    }
    Some(module)
}

/// Fetch what `module` (named `name`) imports.
fn fetch_requests(scope: &mut v8::PinScope, core: &Core, module: v8::Local<v8::Module>, name: &str) -> Option<()> {
    let requests = module.get_module_requests();
    for i in 0..requests.length() {
        let request = v8::Local::<v8::ModuleRequest>::try_from(requests.get(scope, i)?).ok()?;
        let specifier = request.get_specifier().to_rust_string_lossy(scope);
        let json = attributes_say_json(scope, request.get_import_attributes(), 3);
        // Name the import's place when the loader fails.
        let loc = module.source_offset_to_location(request.get_source_offset());
        v8::tc_scope!(let tc, scope);
        let child = fetch(tc, core, &specifier, name, json, None);
        let Some(child) = child else {
            let exception = tc.exception();
            if let Some(e) = exception.filter(|e| e.is_native_error()) {
                let msg = e.to_rust_string_lossy(tc);
                if msg.contains("cannot load module") && !msg.contains("(imported at") {
                    let msg = format!(
                        "{} (imported at {name}:{}:{})",
                        msg.trim_start_matches("Error: "),
                        loc.get_line_number() + 1,
                        loc.get_column_number() + 1
                    );
                    tc.reset();
                    throw(tc, &msg);
                }
            }
            tc.rethrow();
            return None;
        };
        let child_name = core.modules.name_of(tc, child)?;
        core.modules
            .lock()
            .resolved
            .insert((name.to_string(), specifier), child_name);
    }
    Some(())
}

/// Whether import attributes (`[key, value, (offset,)]...`, `stride`
/// entries each) ask for `type: 'json'`.
fn attributes_say_json(scope: &mut v8::PinScope, attrs: v8::Local<v8::FixedArray>, stride: usize) -> bool {
    let mut i = 0;
    while i + 1 < attrs.length() {
        let (Some(k), Some(v)) = (attrs.get(scope, i), attrs.get(scope, i + 1)) else {
            break;
        };
        let (Ok(k), Ok(v)) = (v8::Local::<v8::Value>::try_from(k), v8::Local::<v8::Value>::try_from(v)) else {
            break;
        };
        if k.to_rust_string_lossy(scope) == "type" && v.to_rust_string_lossy(scope) == "json" {
            return true;
        }
        i += stride;
    }
    false
}

fn compile<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    text: &str,
    cache: Option<&[u8]>,
) -> Option<(v8::Local<'s, v8::Module>, CacheUse)> {
    let mut source = match isolate::compile_source(scope, text, name, true, cache, &format!("module {name}")) {
        Ok(s) => s,
        Err(e) => {
            throw(scope, &e.message);
            return None;
        }
    };
    let module = v8::script_compiler::compile_module2(
        scope,
        &mut source,
        isolate::cache_options(cache),
        v8::script_compiler::NoCacheReason::NoReason,
    )?;
    let used = match (cache, isolate::cache_accepted(&source)) {
        (None, _) => CacheUse::None,
        (Some(_), true) => CacheUse::Accepted,
        (Some(_), false) => CacheUse::Rejected,
    };
    Some((module, used))
}

/// V8's code cache for module `name` as compiled in this runtime (for the
/// loader to give back at a later load), and how its own compile used the
/// cache it was given. `None`: no such source-text module here.
pub(crate) fn code_cache(scope: &mut v8::PinScope, core: &Core, name: &str) -> Option<(Vec<u8>, CacheUse)> {
    let module = core.modules.cached(scope, name)?;
    // V8 aborts when asked for a cache in a snapshot creator.
    if !module.is_source_text_module() || crate::isolate::is_creator(scope) {
        return None;
    }
    let data = module.get_unbound_module_script(scope).create_code_cache()?;
    let used = core
        .modules
        .lock()
        .cache_use
        .get(name)
        .copied()
        .unwrap_or(CacheUse::None);
    Some((data.to_vec(), used))
}

fn synthetic<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    name: &str,
    exports: &[String],
) -> Option<v8::Local<'s, v8::Module>> {
    let module_name = v8::String::new(scope, name)?;
    let names: Option<Vec<_>> = exports.iter().map(|e| v8::String::new(scope, e)).collect();
    Some(v8::Module::create_synthetic_module(
        scope,
        module_name,
        &names?,
        synthetic_steps,
    ))
}

/// Set a synthetic module's exports: a JSON module's parsed text, or a
/// host module's values.
fn synthetic_steps<'s>(
    context: v8::Local<'s, v8::Context>,
    module: v8::Local<v8::Module>,
) -> Option<v8::Local<'s, v8::Value>> {
    v8::callback_scope!(unsafe scope, context);
    let core = active_core()?;
    let name = core.modules.name_of(scope, module)?;
    let json = core.modules.lock().json.remove(&name);
    if let Some(text) = json {
        let text = v8::String::new(scope, &text)?;
        let value = v8::json::parse(scope, text)?;
        let key = v8::String::new(scope, "default")?;
        module.set_synthetic_module_export(scope, key, value)?;
    } else {
        let exports = core.modules.lock().host.get(&name).cloned().unwrap_or_default();
        for (k, v) in exports {
            let key = v8::String::new(scope, &k)?;
            let value = match value::to_v8(scope, &v, Some(&core.refs)) {
                Ok(v) => v,
                Err(m) => {
                    throw(scope, &format!("host module {name} export {k}: {m}"));
                    return None;
                }
            };
            module.set_synthetic_module_export(scope, key, value)?;
        }
    }
    Some(v8::undefined(scope).into())
}

/// V8's resolve callback: what the fetch recorded.
fn resolve<'s>(
    context: v8::Local<'s, v8::Context>,
    specifier: v8::Local<'s, v8::String>,
    _attributes: v8::Local<'s, v8::FixedArray>,
    referrer: v8::Local<'s, v8::Module>,
) -> Option<v8::Local<'s, v8::Module>> {
    v8::callback_scope!(unsafe scope, context);
    let core = active_core()?;
    let specifier = specifier.to_rust_string_lossy(scope);
    let from = core.modules.name_of(scope, referrer).unwrap_or_default();
    let name = core
        .modules
        .lock()
        .resolved
        .get(&(from.clone(), specifier.clone()))
        .cloned();
    let found = name.and_then(|n| core.modules.cached(scope, &n));
    if found.is_none() {
        throw(scope, &format!("cannot resolve {specifier:?} from {from}"));
    }
    found
}

/// Instantiate and evaluate `module`: its evaluation promise (settled once
/// top-level await is done). `None`: an exception is pending.
fn run<'s>(scope: &mut v8::PinScope<'s, '_>, module: v8::Local<v8::Module>) -> Option<v8::Local<'s, v8::Promise>> {
    if module.get_status() == v8::ModuleStatus::Uninstantiated {
        module.instantiate_module(scope, resolve)?;
    }
    let result = module.evaluate(scope)?;
    v8::Local::<v8::Promise>::try_from(result).ok()
}

/// Import `specifier` (from `referrer`, or `source` given for it): the
/// evaluation promise and the namespace. `None`: an exception is pending.
pub(crate) fn import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    core: &Core,
    specifier: &str,
    referrer: &str,
    source: Option<String>,
) -> Option<(v8::Local<'s, v8::Promise>, v8::Local<'s, v8::Value>)> {
    let module = fetch(scope, core, specifier, referrer, false, source)?;
    let promise = run(scope, module)?;
    Some((promise, module.get_module_namespace()))
}

/// `import()` from JS.
pub(crate) fn dynamic_import<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    _options: v8::Local<'s, v8::Data>,
    resource_name: v8::Local<'s, v8::Value>,
    specifier: v8::Local<'s, v8::String>,
    attributes: v8::Local<'s, v8::FixedArray>,
) -> Option<v8::Local<'s, v8::Promise>> {
    let resolver = v8::PromiseResolver::new(scope)?;
    let promise = resolver.get_promise(scope);
    let Some(core) = active_core() else {
        throw(scope, "import() outside a runtime");
        return None;
    };
    let specifier = specifier.to_rust_string_lossy(scope);
    let referrer = if resource_name.is_string() {
        resource_name.to_rust_string_lossy(scope)
    } else {
        String::new()
    };
    let json = attributes_say_json(scope, attributes, 2);
    v8::tc_scope!(let tc, scope);
    let outcome = fetch(tc, core, &specifier, &referrer, json, None).and_then(|m| Some((run(tc, m)?, m)));
    match outcome {
        None => {
            let exception = tc.exception().unwrap_or_else(|| v8::undefined(tc).into());
            tc.reset();
            resolver.reject(tc, exception);
        }
        Some((done, module)) => {
            let namespace = module.get_module_namespace();
            match done.state() {
                v8::PromiseState::Fulfilled => {
                    resolver.resolve(tc, namespace);
                }
                v8::PromiseState::Rejected => {
                    done.mark_as_handled();
                    let reason = done.result(tc);
                    resolver.reject(tc, reason);
                }
                v8::PromiseState::Pending => {
                    // Settle with the namespace once top-level await is done.
                    let pair = v8::Array::new_with_elements(tc, &[resolver.into(), namespace]);
                    let ok = v8::Function::builder(import_settled).data(pair.into()).build(tc)?;
                    let fail = v8::Function::builder(import_failed).data(pair.into()).build(tc)?;
                    done.then2(tc, ok, fail)?;
                }
            }
        }
    }
    Some(promise)
}

/// The [resolver, namespace] pair of a pending `import()`.
fn settle_pair<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    data: v8::Local<'s, v8::Value>,
) -> Option<(v8::Local<'s, v8::PromiseResolver>, v8::Local<'s, v8::Value>)> {
    let pair = v8::Local::<v8::Array>::try_from(data).ok()?;
    let resolver = v8::Local::<v8::Object>::try_from(pair.get_index(scope, 0)?).ok()?;
    // SAFETY: dynamic_import stored a PromiseResolver at index 0.
    let resolver = unsafe { v8::Local::<v8::PromiseResolver>::cast_unchecked(resolver) };
    Some((resolver, pair.get_index(scope, 1)?))
}

/// The callbacks of the functions modules make (for snapshots).
pub(crate) fn callbacks() -> [v8::FunctionCallback; 3] {
    [
        v8::MapFnTo::map_fn_to(import_settled),
        v8::MapFnTo::map_fn_to(import_failed),
        v8::MapFnTo::map_fn_to(meta_resolve),
    ]
}

fn import_settled<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<v8::Value>,
) {
    if let Some((resolver, namespace)) = settle_pair(scope, args.data()) {
        resolver.resolve(scope, namespace);
    }
}

fn import_failed<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    args: v8::FunctionCallbackArguments<'s>,
    _rv: v8::ReturnValue<v8::Value>,
) {
    if let Some((resolver, _)) = settle_pair(scope, args.data()) {
        resolver.reject(scope, args.get(0));
    }
}

/// `import.meta`: `url` (the canonical name) and `resolve(specifier)`.
pub(crate) unsafe extern "C" fn import_meta(
    context: v8::Local<v8::Context>,
    module: v8::Local<v8::Module>,
    meta: v8::Local<v8::Object>,
) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        v8::callback_scope!(unsafe scope, context);
        let Some(core) = active_core() else { return };
        let Some(name) = core.modules.name_of(scope, module) else {
            return;
        };
        let (Some(url_key), Some(url), Some(resolve_key)) = (
            v8::String::new(scope, "url"),
            v8::String::new(scope, &name),
            v8::String::new(scope, "resolve"),
        ) else {
            return;
        };
        meta.create_data_property(scope, url_key.into(), url.into());
        if let Some(f) = v8::Function::builder(meta_resolve).data(url.into()).build(scope) {
            meta.create_data_property(scope, resolve_key.into(), f.into());
        }
    }));
}

fn meta_resolve(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    let Some(core) = active_core() else { return };
    let referrer = args.data().to_rust_string_lossy(scope);
    let specifier = args.get(0).to_rust_string_lossy(scope);
    match load(core, &specifier, &referrer, true) {
        Ok(loaded) => {
            if let Some(s) = v8::String::new(scope, &loaded.name) {
                rv.set(s.into());
            }
        }
        Err(m) => throw(scope, &format!("cannot resolve {specifier:?} from {referrer}: {m}")),
    }
}
