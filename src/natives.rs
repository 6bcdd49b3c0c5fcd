//! The native side of the JS environment: the functions the prelude
//! (`prelude.js`) calls, and the isolate-wide hooks that report uncaught
//! exceptions (from microtasks) and unhandled promise rejections.
//!
//! Native callbacks find their runtime's [`Core`] in an embedder data
//! slot of its isolate (see [`bind_core`]); the Core outlives the
//! context, which the runtime disposes first.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

use crate::async_hooks::{self, AsyncType, HookEvent, Receiver};
use crate::core::{ConsoleLevel, Core};
use crate::entry::active_core;
use crate::error::{panic_message, Error, Status};

/// The dispatchers the prelude returns, called by the loop.
pub(crate) struct Dispatch {
    pub fire: v8::Global<v8::Function>,
    pub deliver: v8::Global<v8::Function>,
    /// Calls a JS hook set: (set, event, id, type, trigger, resource).
    pub hook: v8::Global<v8::Function>,
    /// V8 promise hooks (init, before, after, resolve), installed when a
    /// hook set first asks for PROMISE resources.
    pub promise_hooks: [v8::Global<v8::Function>; 4],
    /// Gives the prelude its promise record buffer.
    use_scratch: v8::Global<v8::Function>,
    /// The natives object (for a snapshot).
    native: v8::Global<v8::Object>,
}

/// Promises rejected with no handler yet, each with its reason; reported
/// after the microtasks of the callback that rejected them.
#[derive(Default)]
pub(crate) struct Rejections {
    pending: Mutex<Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>>,
    /// Set with the first one: every call checks, almost always finding
    /// none, without the mutex.
    any: std::sync::atomic::AtomicBool,
}

impl Rejections {
    fn lock(&self) -> MutexGuard<'_, Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, promise: v8::Global<v8::Promise>, reason: v8::Global<v8::Value>) {
        let mut pending = self.lock();
        pending.push((promise, reason));
        self.any.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Everything pending (its V8 handles too: the caller drops them).
    pub(crate) fn take(&self) -> Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)> {
        if !self.any.load(std::sync::atomic::Ordering::SeqCst) {
            return Vec::new();
        }
        let mut pending = self.lock();
        self.any.store(false, std::sync::atomic::Ordering::SeqCst);
        std::mem::take(&mut *pending)
    }

    /// A promise handed to the host is the host's to handle (it awaits it,
    /// or drops it): it is never reported as unhandled.
    pub(crate) fn claim(&self, scope: &mut v8::PinScope, promise: v8::Local<v8::Promise>) {
        promise.mark_as_handled();
        let mut pending = self.lock();
        if !pending.is_empty() {
            pending.retain(|(p, _)| v8::Local::new(scope, p) != promise);
        }
    }
}

/// What a native returns to JS.
enum Ret {
    Nothing,
    Number(f64),
    Bool(bool),
    Value(v8::Global<v8::Value>),
}

type NativeFn = fn(&mut v8::PinScope, &Core, &v8::FunctionCallbackArguments) -> Result<Ret, String>;

/// Wrap a native body: find the Core, catch panics, turn errors into JS
/// exceptions. A macro because callbacks must be capture-free.
macro_rules! native {
    ($body:expr) => {
        |scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, rv: v8::ReturnValue<v8::Value>| {
            let f: NativeFn = $body;
            call_native(scope, &args, rv, f);
        }
    };
}

fn call_native(
    scope: &mut v8::PinScope,
    args: &v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
    f: NativeFn,
) {
    // The whole body inside the boundary: nothing may unwind into V8.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let Some(core) = core_of(scope) else {
            return Err("native outside its runtime".to_string());
        };
        match f(scope, core, args)? {
            Ret::Nothing => {}
            Ret::Number(n) => rv.set_double(n),
            Ret::Bool(b) => rv.set_bool(b),
            Ret::Value(v) => rv.set(v8::Local::new(scope, v)),
        }
        Ok(())
    }))
    .unwrap_or_else(|p| Err(format!("internal error: {}", panic_message(&*p))));
    if let Err(msg) = outcome {
        crate::host::throw_error(scope, &msg);
    }
}

fn arg_u32(scope: &mut v8::PinScope, args: &v8::FunctionCallbackArguments, i: i32) -> u32 {
    args.get(i).uint32_value(scope).unwrap_or(0)
}

/// An async id (or timer id, which is the same) passed from JS.
fn arg_id(scope: &mut v8::PinScope, args: &v8::FunctionCallbackArguments, i: i32) -> u64 {
    args.get(i).number_value(scope).filter(|n| *n >= 0.0).unwrap_or(0.0) as u64
}

fn natives() -> Vec<(&'static str, v8::FunctionCallback)> {
    vec![
        (
            "timerStart",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let ms = args.get(0).number_value(scope).unwrap_or(1.0);
                let repeat = args.get(1).boolean_value(scope);
                let ty = if repeat {
                    AsyncType::Interval
                } else {
                    AsyncType::Timeout
                };
                // A timer's id is its async id.
                let id = async_hooks::create(scope, core, ty, Some(args.get(2)));
                let trigger = core.hooks.current_ids().0;
                core.timers().start(id, ms, repeat, trigger);
                Ok(Ret::Number(id as f64))
            })),
        ),
        (
            "immediate",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = async_hooks::create(scope, core, AsyncType::Immediate, Some(args.get(0)));
                let trigger = core.hooks.current_ids().0;
                core.timers().immediate(id, trigger);
                Ok(Ret::Number(id as f64))
            })),
        ),
        (
            "timerStop",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_id(scope, args, 0);
                if let Some(ty) = core.timers().stop(id, args.get(1).boolean_value(scope)) {
                    async_hooks::destroy(scope, core, id, ty);
                }
                Ok(Ret::Nothing)
            })),
        ),
        (
            // Milliseconds (fractional) of the monotonic clock: console.time
            // and performance.now.
            "monotonic",
            v8::MapFnTo::map_fn_to(native!(|_scope, _core, _args| Ok(Ret::Number(
                crate::event_loop::clock().as_secs_f64() * 1e3
            )))),
        ),
        (
            "timerRef",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_id(scope, args, 0);
                core.timers().set_ref(id, args.get(1).boolean_value(scope));
                Ok(Ret::Nothing)
            })),
        ),
        (
            "microtask",
            v8::MapFnTo::map_fn_to(native!(|scope, _core, args| {
                let f = v8::Local::<v8::Function>::try_from(args.get(0)).map_err(|_| "not a function".to_string())?;
                scope.enqueue_microtask(f);
                Ok(Ret::Nothing)
            })),
        ),
        (
            "print",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let level = ConsoleLevel::from_u32(arg_u32(scope, args, 0)).unwrap_or(ConsoleLevel::Log);
                let text = args.get(1).to_rust_string_lossy(scope);
                core.sinks.print(level, &text);
                Ok(Ret::Nothing)
            })),
        ),
        // A resource made in JS (a queued microtask): its id, with init
        // fired when anything listens.
        (
            "asyncCreate",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let ty = AsyncType::from_u32(arg_u32(scope, args, 0)).ok_or("bad async type")?;
                Ok(Ret::Number(
                    async_hooks::create(scope, core, ty, Some(args.get(1))) as f64
                ))
            })),
        ),
        // Promises: the prelude keeps each tracked promise's record.
        (
            "promiseInit",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let parent = arg_id(scope, args, 0);
                Ok(Ret::Bool(async_hooks::promise_init(scope, core, parent, args.get(1))))
            })),
        ),
        (
            "promiseBefore",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let (id, trigger) = (arg_id(scope, args, 0), arg_id(scope, args, 1));
                async_hooks::promise_before(scope, core, id, trigger);
                Ok(Ret::Nothing)
            })),
        ),
        (
            "promiseResolve",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_id(scope, args, 0);
                async_hooks::promise_event(scope, core, HookEvent::PromiseResolve(id));
                Ok(Ret::Nothing)
            })),
        ),
        (
            "promiseDestroy",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_id(scope, args, 0);
                async_hooks::promise_event(scope, core, HookEvent::Destroy(id));
                Ok(Ret::Nothing)
            })),
        ),
        // A queued microtask's callback starts (id, trigger) and ends.
        (
            "asyncBefore",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let (id, trigger) = (arg_id(scope, args, 0), arg_id(scope, args, 1));
                async_hooks::enter(scope, core, id, trigger, AsyncType::Microtask, false);
                Ok(Ret::Nothing)
            })),
        ),
        (
            "asyncAfter",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_id(scope, args, 0);
                async_hooks::exit(scope, core, id);
                Ok(Ret::Nothing)
            })),
        ),
        (
            "asyncDestroy",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_id(scope, args, 0);
                async_hooks::destroy(scope, core, id, AsyncType::Microtask);
                Ok(Ret::Nothing)
            })),
        ),
        (
            "asyncIds",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let (execution, trigger) = core.hooks.current_ids();
                let which = arg_u32(scope, args, 0);
                Ok(Ret::Number(if which == 0 { execution } else { trigger } as f64))
            })),
        ),
        (
            "hookSetAdd",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let (types, wants_destroy) = (arg_u32(scope, args, 0), args.get(1).boolean_value(scope));
                Ok(Ret::Number(
                    core.hooks.add_set(types, wants_destroy, Receiver::Js) as f64
                ))
            })),
        ),
        (
            "hookSetEnable",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                let id = arg_u32(scope, args, 0);
                let enabled = args.get(1).boolean_value(scope);
                async_hooks::enable_hook_set(scope, core, id, enabled).map_err(|e| e.into_data().message)?;
                Ok(Ret::Nothing)
            })),
        ),
        (
            "longStackTraces",
            v8::MapFnTo::map_fn_to(native!(|scope, core, args| {
                core.hooks.set_long_stacks(args.get(0).boolean_value(scope));
                Ok(Ret::Nothing)
            })),
        ),
        // AsyncLocalStorage: the async context is V8's continuation-
        // preserved embedder data, which V8 carries across promise jobs.
        (
            "contextUse",
            v8::MapFnTo::map_fn_to(native!(|_scope, core, _args| {
                core.hooks.use_context();
                Ok(Ret::Nothing)
            })),
        ),
        (
            "contextGet",
            v8::MapFnTo::map_fn_to(native!(|scope, _core, _args| {
                let v = scope.get_continuation_preserved_embedder_data();
                Ok(Ret::Value(v8::Global::new(scope, v)))
            })),
        ),
        (
            "contextSet",
            v8::MapFnTo::map_fn_to(native!(|scope, _core, args| {
                scope.set_continuation_preserved_embedder_data(args.get(0));
                Ok(Ret::Nothing)
            })),
        ),
    ]
}

/// Point `isolate`'s natives at `core` (which outlives the isolate's
/// contexts). In the isolate, not in each function's data: a snapshot
/// cannot hold an address.
pub(crate) fn bind_core(isolate: &mut v8::Isolate, core: *const Core) {
    isolate.set_data(crate::isolate::CORE_SLOT, core as *mut c_void);
}

/// The Core of the runtime whose isolate this is.
pub(crate) fn core_of<'a>(isolate: &v8::Isolate) -> Option<&'a Core> {
    let core = isolate.get_data(crate::isolate::CORE_SLOT) as *const Core;
    // SAFETY: set by `bind_core` to a Core that outlives the isolate.
    (!core.is_null()).then(|| unsafe { &*core })
}

/// The environment's parts the runtime holds, in the order of the array
/// that `install` returns and a snapshot keeps: the prelude's dispatchers,
/// then (not in this list) the natives object.
const PARTS: [&str; 8] = [
    "fire",
    "deliver",
    "hook",
    "promiseInit",
    "promiseBefore",
    "promiseAfter",
    "promiseResolve",
    "useScratch",
];

fn internal(what: &str) -> Error {
    Error::new(Status::Internal, format!("installing the JS environment: {what}"))
}

/// Run the prelude in `scope`'s context, with the web APIs' natives when
/// `web`; returns its parts (see [`PARTS`]) for [`attach`]. The web
/// globals themselves are [`install_web`]'s.
pub(crate) fn install<'s>(scope: &mut v8::PinScope<'s, '_>, web: bool) -> Result<v8::Local<'s, v8::Array>, Error> {
    let native = v8::Object::new(scope);
    // Async resource types by name, for asyncHooks' type filters.
    let types = v8::Object::new(scope);
    for t in crate::async_hooks::AsyncType::LIST {
        let name = v8::String::new(scope, t.name()).ok_or_else(|| internal("types"))?;
        let bit = v8::Integer::new_from_unsigned(scope, t as u32);
        types.set(scope, name.into(), bit.into());
    }
    let key = v8::String::new(scope, "asyncTypes").ok_or_else(|| internal("types"))?;
    native.set(scope, key.into(), types.into());
    let add = |scope: &mut v8::PinScope, name: &str, f: v8::FunctionCallback| -> Result<(), Error> {
        let func = v8::Function::builder_raw(f)
            .build(scope)
            .ok_or_else(|| internal(name))?;
        let key = v8::String::new(scope, name).ok_or_else(|| internal(name))?;
        native.set(scope, key.into(), func.into());
        Ok(())
    };
    for (name, f) in natives() {
        add(scope, name, f)?;
    }
    if web {
        for (name, f) in crate::web::natives() {
            add(scope, name, f)?;
        }
    }

    static CACHE: crate::isolate::BuiltinCache = crate::isolate::BuiltinCache::new();
    let script = CACHE
        .compile(scope, include_str!("prelude.js"), "v8runner:prelude")
        .ok_or_else(|| internal("compile"))?;
    let factory = script.run(scope).ok_or_else(|| internal("run"))?;
    let factory = v8::Local::<v8::Function>::try_from(factory).map_err(|_| internal("factory"))?;
    let recv = v8::undefined(scope).into();
    let dispatch = factory
        .call(scope, recv, &[native.into()])
        .ok_or_else(|| internal("call"))?;
    let dispatch = v8::Local::<v8::Object>::try_from(dispatch).map_err(|_| internal("dispatch"))?;
    CACHE.remember(scope, script);
    let parts = v8::Array::new(scope, PARTS.len() as i32 + 1);
    for (i, key) in PARTS.iter().enumerate() {
        let k = v8::String::new(scope, key).ok_or_else(|| internal(key))?;
        let f = dispatch.get(scope, k.into()).ok_or_else(|| internal(key))?;
        parts.set_index(scope, i as u32, f);
    }
    parts.set_index(scope, PARTS.len() as u32, native.into());
    Ok(parts)
}

/// The natives object of `core`'s environment (web.rs's getters use it).
pub(crate) fn native_object<'s>(scope: &mut v8::PinScope<'s, '_>, core: &Core) -> Option<v8::Local<'s, v8::Object>> {
    core.dispatch().as_ref().map(|d| v8::Local::new(scope, &d.native))
}

/// Hand the environment's `parts` (from [`install`] or a snapshot) to
/// `core`: the loop's dispatchers, and a new buffer for promise records
/// (see async_hooks::Scratch; one of the runtime's own, as V8 serializes
/// views of a native buffer badly).
pub(crate) fn attach<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    core: &Core,
    parts: v8::Local<'s, v8::Array>,
) -> Result<(), Error> {
    fn get<'s>(
        scope: &mut v8::PinScope<'s, '_>,
        parts: v8::Local<'s, v8::Array>,
        i: usize,
    ) -> Result<v8::Local<'s, v8::Function>, Error> {
        let f = parts.get_index(scope, i as u32).ok_or_else(|| internal(PARTS[i]))?;
        v8::Local::<v8::Function>::try_from(f).map_err(|_| internal(PARTS[i]))
    }
    let mut functions = Vec::with_capacity(PARTS.len());
    for i in 0..PARTS.len() {
        let f = get(scope, parts, i)?;
        functions.push(v8::Global::new(scope, f));
    }
    let len = crate::async_hooks::SCRATCH_LEN;
    let buffer = v8::ArrayBuffer::new(scope, len * std::mem::size_of::<f64>());
    let memory = crate::async_hooks::Scratch::new(buffer.get_backing_store()).ok_or_else(|| internal("scratch"))?;
    let array = v8::Float64Array::new(scope, buffer, 0, len).ok_or_else(|| internal("scratch"))?;
    let native = parts
        .get_index(scope, PARTS.len() as u32)
        .ok_or_else(|| internal("natives"))?;
    let native = v8::Local::<v8::Object>::try_from(native).map_err(|_| internal("natives"))?;
    let use_scratch = get(scope, parts, 7)?;
    let recv = v8::undefined(scope).into();
    use_scratch
        .call(scope, recv, &[array.into()])
        .ok_or_else(|| internal("scratch"))?;
    core.hooks.set_scratch(memory);
    let mut functions = functions.into_iter();
    let mut next = || functions.next().ok_or_else(|| internal("parts"));
    let dispatch = Dispatch {
        fire: next()?,
        deliver: next()?,
        hook: next()?,
        promise_hooks: [next()?, next()?, next()?, next()?],
        use_scratch: next()?,
        native: v8::Global::new(scope, native),
    };
    *core.dispatch() = Some(dispatch);
    Ok(())
}

/// The environment's parts again, for a snapshot of the runtime, which
/// leaves out the runtime's own promise record buffer.
pub(crate) fn parts<'s>(scope: &mut v8::PinScope<'s, '_>, core: &Core) -> Result<v8::Local<'s, v8::Array>, Error> {
    let dispatch = core.dispatch();
    let d = dispatch.as_ref().ok_or_else(|| internal("no environment"))?;
    let functions = [&d.fire, &d.deliver, &d.hook]
        .into_iter()
        .chain(d.promise_hooks.iter())
        .chain([&d.use_scratch])
        .map(|f| v8::Local::new(scope, f))
        .collect::<Vec<v8::Local<v8::Function>>>();
    let recv = v8::undefined(scope).into();
    let none = v8::null(scope).into();
    functions[7]
        .call(scope, recv, &[none])
        .ok_or_else(|| internal("scratch"))?;
    let mut all: Vec<v8::Local<v8::Value>> = functions.into_iter().map(Into::into).collect();
    all.push(v8::Local::new(scope, &d.native).into());
    Ok(v8::Array::new_with_elements(scope, &all))
}

/// Every callback the environment's functions use (for snapshots).
pub(crate) fn callbacks() -> Vec<v8::FunctionCallback> {
    let mut all: Vec<v8::FunctionCallback> = natives().into_iter().map(|(_, f)| f).collect();
    all.extend(crate::web::natives().into_iter().map(|(_, f)| f));
    all.extend(crate::host::callbacks());
    all.extend(crate::module::callbacks());
    all
}

/// Every property accessor the environment installs (for snapshots).
pub(crate) fn accessors() -> Vec<*mut c_void> {
    crate::web::accessors().to_vec()
}

/// Isolate-wide hooks, set once per runtime isolate. Not the message
/// listener in a snapshot creator: V8 keeps listeners in the heap, and
/// serializes typed arrays wrongly (a crash) when one is there.
pub(crate) fn set_isolate_hooks(isolate: &mut v8::Isolate, creator: bool) {
    if !creator {
        isolate.add_message_listener(on_uncaught_message);
    }
    isolate.set_promise_reject_callback(on_promise_reject);
    isolate.set_host_import_module_dynamically_callback(crate::module::dynamic_import);
    isolate.set_host_initialize_import_meta_object_callback(crate::module::import_meta);
}

/// V8 reports exceptions nobody caught (a throwing microtask, say) here.
unsafe extern "C" fn on_uncaught_message(message: v8::Local<v8::Message>, exception: v8::Local<v8::Value>) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let Some(core) = active_core() else { return };
        let scope = std::pin::pin!(unsafe { v8::CallbackScope::new(message) });
        let scope = &mut scope.init();
        let mut err = Error::new(
            Status::Exception,
            crate::isolate::message_text(scope, message, exception),
        );
        err.line = message.get_line_number(scope).unwrap_or(0) as u32;
        err.column = message.get_start_column() as u32 + 1;
        if let Some(name) = message.get_script_resource_name(scope) {
            if name.is_string() {
                err.resource_name = Some(name.to_rust_string_lossy(scope));
            }
        }
        err.stack = error_stack(scope, exception);
        core.report(err);
    }));
}

pub(crate) fn error_stack(scope: &mut v8::PinScope, value: v8::Local<v8::Value>) -> Option<String> {
    let obj = v8::Local::<v8::Object>::try_from(value).ok()?;
    if !value.is_native_error() {
        return None;
    }
    let key = v8::String::new(scope, "stack")?;
    let stack = obj.get(scope, key.into())?;
    stack.is_string().then(|| stack.to_rust_string_lossy(scope))
}

/// Unhandled rejections are collected here and reported after the current
/// callback's microtasks ran (a handler attached by then cancels it).
unsafe extern "C" fn on_promise_reject(msg: v8::PromiseRejectMessage) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let Some(core) = active_core() else { return };
        let scope = std::pin::pin!(unsafe { v8::CallbackScope::new(&msg) });
        let scope = &mut scope.init();
        let promise = msg.get_promise();
        match msg.get_event() {
            v8::PromiseRejectEvent::PromiseRejectWithNoHandler => {
                let value = msg.get_value().unwrap_or_else(|| v8::undefined(scope).into());
                let promise = v8::Global::new(scope, promise);
                let value = v8::Global::new(scope, value);
                core.rejections.push(promise, value);
            }
            v8::PromiseRejectEvent::PromiseHandlerAddedAfterReject => {
                let mut pending = core.rejections.lock();
                pending.retain(|(p, _)| v8::Local::new(scope, p) != promise);
            }
            _ => {}
        }
    }));
}

/// Report the rejections still unhandled, as errors of the runtime.
pub(crate) fn report_rejections(scope: &mut v8::PinScope, core: &Core) {
    let pending = core.rejections.take();
    for (_promise, value) in pending {
        let value = v8::Local::new(scope, value);
        let err = rejection_error(scope, value, None);
        core.report(err);
    }
}

/// The first rejection still unhandled as an error (with its reason live
/// when `refs`); the others are reported as errors of the runtime.
pub(crate) fn first_rejection(
    scope: &mut v8::PinScope,
    core: &Core,
    refs: Option<&std::sync::Arc<crate::refs::Refs>>,
) -> Option<Error> {
    let mut first = None;
    for (_promise, value) in core.rejections.take() {
        let value = v8::Local::new(scope, value);
        match first {
            None => first = Some(rejection_error(scope, value, refs)),
            Some(_) => core.report(rejection_error(scope, value, None)),
        }
    }
    first
}

/// "Uncaught (in promise) ..." for a rejection reason.
fn rejection_error(
    scope: &mut v8::PinScope,
    value: v8::Local<v8::Value>,
    refs: Option<&std::sync::Arc<crate::refs::Refs>>,
) -> Error {
    let text = if value.is_native_error() {
        error_stack(scope, value).unwrap_or_else(|| value.to_rust_string_lossy(scope))
    } else {
        crate::value::to_display_string(scope, value).unwrap_or_else(|| "(unprintable)".into())
    };
    let mut err = Error::new(
        Status::Exception,
        format!("Uncaught (in promise) {}", first_line(&text)),
    );
    err.stack = error_stack(scope, value);
    crate::isolate::exception_details(scope, value, refs, &mut err);
    err
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
