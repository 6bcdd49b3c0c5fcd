//! A runtime: one isolate + one context + one event loop, whose state
//! persists across calls. This is the façade: each call goes through the
//! runtime's [`Gateway`] (the gate, the isolate lock, the context scope:
//! entry.rs) into the subsystem that does the work, all of which share the
//! runtime's `Core` (core.rs).
//!
//! Threads: owner-thread mode (the default, libuv's model) lets only the
//! creating thread call; any-thread mode lets any thread call, one call at
//! a time (the Go package uses it, since goroutines move between OS
//! threads). A callback running inside a call may call back into the same
//! runtime on the same thread. `terminate`, `terminate_call` and `close`
//! may be called from any thread.

use std::sync::Arc;

use crate::async_hooks::{self, AsyncType, NativeHook, Receiver};
use crate::core::{ConsoleSink, Core, ErrorSink, Sinks};
use crate::entry::{self, Call, Gateway};
use crate::error::{Error, Status};
use crate::event_loop::{self, RunMode, RunOutcome};
use crate::function::FunctionRef;
use crate::host::{self, FunctionOptions, HostFunction};
use crate::isolate::{self, HeapLimits, Start, Vm, Want};
use crate::module;
use crate::natives;
use crate::notifier::{self, Notifier, Target};
use crate::object;
use crate::observe;
use crate::refs::ObjectRef;
use crate::snapshot::{self, Snapshot};
use crate::value::{self, Args, Conv, Value};
use crate::work::{self, AfterFn, WorkFn, WorkRequest};

/// How a runtime is created.
#[derive(Clone, Default)]
pub struct RuntimeOptions {
    pub heap: HeapLimits,
    /// Shown in error messages and used as the default resource name.
    pub name: String,
    /// Allow calls from any thread (serialised), not only the creator.
    pub any_thread: bool,
    /// Leave out the web platform's globals (src/web.js).
    pub bare: bool,
    pub console: Option<ConsoleSink>,
    pub on_error: Option<ErrorSink>,
    /// Start from this snapshot (its globals, functions and environment)
    /// instead of the built-in environment; `bare` is then the snapshot's.
    pub snapshot: Option<Arc<Snapshot>>,
    /// Make the runtime to be turned into a snapshot
    /// ([`Runtime::into_snapshot`]), after it ran its bootstrap code.
    pub for_snapshot: bool,
}

/// A runtime (see the module doc).
pub struct Runtime {
    core: Arc<Core>,
    gateway: Gateway,
    /// A runtime made for a snapshot: its own V8 handles (see snapshot.rs).
    handles: Option<snapshot::HandleBudget>,
    /// The CPU profile running: its inspector session and answers.
    profile: std::sync::Mutex<Option<(u64, std::sync::mpsc::Receiver<String>)>>,
}

impl Runtime {
    /// Create a runtime on the calling thread.
    pub fn new(options: RuntimeOptions) -> Result<Runtime, Error> {
        let start = match (&options.snapshot, options.for_snapshot) {
            (Some(_), true) => {
                return Err(Error::bad_input(
                    "a runtime made for a snapshot starts from the built-in environment, not from another snapshot",
                ))
            }
            (Some(s), false) => Start::Snapshot(Arc::clone(s)),
            (None, true) => Start::Creator,
            (None, false) => snapshot::builtin().map_or(Start::V8, Start::Snapshot),
        };
        // The web globals: the built-in snapshot has their natives only;
        // a host's snapshot has them as its creator had them.
        let web = !options.bare && options.snapshot.is_none();
        Runtime::create(options, start, web)
    }

    /// The runtime the built-in snapshot is made from (see snapshot.rs).
    pub(crate) fn new_builtin_creator(options: RuntimeOptions) -> Result<Arc<Runtime>, Error> {
        Ok(Arc::new(Runtime::create(options, Start::Creator, false)?))
    }

    fn create(options: RuntimeOptions, start: Start, web: bool) -> Result<Runtime, Error> {
        let from_snapshot = matches!(start, Start::Snapshot(_));
        let handles;
        // Natives cost little; only a bare runtime made for a snapshot leaves them out.
        let natives_web = !(options.for_snapshot && options.bare);
        let vm = Vm::new(options.heap, start)?;
        let core = Arc::new(Core::new(Sinks::new(options.console, options.on_error)));
        if options.for_snapshot {
            core.hosts.number_functions();
            core.refs.track();
        }
        let context = {
            let mut locked = vm.lock()?;
            natives::set_isolate_hooks(&mut locked, options.for_snapshot);
            natives::bind_core(&mut locked, Arc::as_ptr(&core));
            let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
            let mut scope = scope.init();
            let context = v8::Context::new(&scope, Default::default());
            let scope = &mut v8::ContextScope::new(&mut scope, context);
            let parts = if from_snapshot {
                snapshot::restore(scope, &core)?
            } else {
                natives::install(scope, natives_web)?
            };
            natives::attach(scope, &core, parts)?;
            if web {
                crate::web::install(scope)?;
            }
            handles = options.for_snapshot.then(|| snapshot::HandleBudget::measure(scope));
            v8::Global::new(scope, context)
        };
        let name = if options.name.is_empty() {
            "v8runner".to_string()
        } else {
            options.name
        };
        let gateway = Gateway::new(vm, context, Arc::clone(&core), name, options.any_thread);
        Ok(Runtime {
            core,
            gateway,
            handles,
            profile: Default::default(),
        })
    }

    /// [`Runtime::new`], shared: references to its values then know their
    /// runtime (see [`crate::ObjectRef::owner`]), as the C ABI needs.
    pub fn new_shared(options: RuntimeOptions) -> Result<Arc<Runtime>, Error> {
        let runtime = Arc::new(Runtime::new(options)?);
        let weak: std::sync::Weak<Runtime> = Arc::downgrade(&runtime);
        let owner: std::sync::Weak<dyn std::any::Any + Send + Sync> = weak;
        runtime.core.refs.set_owner(owner);
        Ok(runtime)
    }

    pub fn name(&self) -> &str {
        self.gateway.name()
    }

    pub fn is_closed(&self) -> bool {
        self.gateway.is_closed()
    }

    /// Wake-ups signalled to the loop so far (many posts coalesce into one).
    pub fn wakeups(&self) -> u64 {
        self.core.inbox.wakeups()
    }

    /// Whether the calling thread may use this runtime.
    pub fn check_thread(&self) -> Result<(), Error> {
        self.gateway.check_thread()
    }

    /// Whether this thread is inside a call of this runtime right now.
    pub fn entered_on_this_thread(&self) -> bool {
        self.gateway.entered_on_this_thread()
    }

    /// Evaluate a classic script in the runtime's context; globals it
    /// defines stay for later calls. An empty `resource_name` uses the
    /// runtime's name. `call_id` (0 for none) lets [`Runtime::terminate_call`]
    /// stop this call and no other. Plain data comes back copied, a Promise
    /// as a reference (see [`Conv`]). A rejection it leaves unhandled is
    /// its error ("Uncaught (in promise) ..."; see `event_loop::call_done`).
    pub fn eval(&self, source: &str, resource_name: &str, call_id: u64) -> Result<Value, Error> {
        self.eval_as(source, resource_name, call_id, false)
    }

    /// [`Runtime::eval`], with every object result as a reference when
    /// `objects` is set.
    pub fn eval_as(&self, source: &str, resource_name: &str, call_id: u64, objects: bool) -> Result<Value, Error> {
        self.eval_cached(source, resource_name, None, call_id, objects)
    }

    /// [`Runtime::eval_as`] compiling with code cache data (from
    /// [`Runtime::code_cache`], this process or an earlier one); whether V8
    /// took it goes to `cache.accepted` (stale or foreign data is rejected
    /// and the script compiles in full).
    pub fn eval_cached(
        &self,
        source: &str,
        resource_name: &str,
        cache: Option<isolate::CodeCache>,
        call_id: u64,
        objects: bool,
    ) -> Result<Value, Error> {
        let name = if resource_name.is_empty() {
            self.name()
        } else {
            resource_name
        };
        let core = &*self.core;
        let conv = self.conv(objects);
        let result = self.gateway.enter(Call::Id(call_id), |scope| {
            event_loop::settle_owed(scope, core);
            core.inspector.before_script();
            let after = |s: &mut v8::PinScope, r: v8::Local<v8::Value>| event_loop::call_done(s, core, r, conv);
            let result = isolate::run_script(scope, self.gateway.vm(), source, name, Want::Typed(conv), cache, after);
            event_loop::note_throw(core, &result);
            result
        })?;
        self.after_call(result)
    }

    /// V8's code cache for the classic script `source` (named as for
    /// `eval`), compiled but not run; feed it to [`Runtime::eval_cached`]
    /// in this or another runtime or process of the same build.
    pub fn code_cache(&self, source: &str, resource_name: &str) -> Result<Vec<u8>, Error> {
        let name = if resource_name.is_empty() {
            self.name()
        } else {
            resource_name
        };
        let vm = self.gateway.vm();
        if vm.is_creator() {
            return Err(Error::bad_input(
                "V8 makes no code caches in a runtime made for a snapshot (the snapshot keeps compiled code itself)",
            ));
        }
        self.gateway.enter(Call::Step, |scope| {
            v8::tc_scope!(let tc, scope);
            match isolate::create_code_cache(tc, source, name)? {
                Some(cache) => Ok(cache),
                None => Err(isolate::caught!(tc, vm, Status::SyntaxError)),
            }
        })?
    }

    /// Call the global function `name` with `args`; returns its result.
    /// `call_id` as for [`Runtime::eval`].
    pub fn call(&self, name: &str, mut args: Args, call_id: u64) -> Result<Value, Error> {
        // The closure borrows the arguments: moving them through the call
        // gate's generic layers was a copy at each.
        let args = &mut args;
        let result = self.gateway.enter(Call::Id(call_id), |scope| {
            let f = global_function(scope, name)?;
            self.call_local(scope, f, args)
        })?;
        self.after_call(result)
    }

    /// The global function `name`, held until the returned reference is
    /// dropped (from any thread) or the runtime goes away.
    pub fn function(&self, name: &str) -> Result<FunctionRef, Error> {
        self.gateway.enter(Call::Step, |scope| {
            global_function(scope, name).map(|f| FunctionRef(self.core.refs.keep(scope, f.into())))
        })?
    }

    /// Call a function held by [`Runtime::function`] (no lookup by name).
    pub fn call_function(&self, f: &FunctionRef, mut args: Args, call_id: u64) -> Result<Value, Error> {
        let args = &mut args;
        let result = self.gateway.enter(Call::Id(call_id), |scope| {
            let f = self
                .core
                .refs
                .get(scope, &f.0)
                .map_err(|m| Error::new(Status::Closed, m))?;
            let f = v8::Local::<v8::Function>::try_from(f)
                .map_err(|_| Error::new(Status::Internal, "a function reference names a non-function"))?;
            self.call_local(scope, f, args)
        })?;
        self.after_call(result)
    }

    fn call_local(
        &self,
        scope: &mut v8::PinScope,
        f: v8::Local<v8::Function>,
        args: &mut Args,
    ) -> Result<Value, Error> {
        let core = &*self.core;
        let argv = object::args_to_v8(scope, core, args)?;
        event_loop::settle_owed(scope, core);
        let conv = self.conv(false);
        let after = |s: &mut v8::PinScope, r: v8::Local<v8::Value>| event_loop::call_done(s, core, r, conv);
        let result = isolate::call_function_value(scope, self.gateway.vm(), f, None, &argv, conv, after);
        event_loop::note_throw(core, &result);
        result
    }

    fn conv(&self, objects: bool) -> Conv<'_> {
        if objects {
            Conv::objects(&self.core.refs)
        } else {
            Conv::with(&self.core.refs)
        }
    }

    /// The context's global object (`globalThis`), as a reference.
    pub fn global(&self) -> Result<ObjectRef, Error> {
        object::global(&self.gateway, &self.core)
    }

    /// `obj[name]`; an object comes back as a reference when `objects` is
    /// set, else copied. Getters run (and may throw).
    pub fn get(&self, obj: &ObjectRef, name: &str, objects: bool) -> Result<Value, Error> {
        let result = object::get(&self.gateway, &self.core, obj, name, objects);
        self.after_call(result)
    }

    /// `obj[name] = value`.
    pub fn set(&self, obj: &ObjectRef, name: &str, value: Value) -> Result<(), Error> {
        let result = object::set(&self.gateway, &self.core, obj, name, value);
        self.after_call(result)
    }

    /// `name in obj`.
    pub fn has(&self, obj: &ObjectRef, name: &str) -> Result<bool, Error> {
        let result = object::has(&self.gateway, &self.core, obj, name);
        self.after_call(result)
    }

    /// `delete obj[name]`; whether the property is gone.
    pub fn delete(&self, obj: &ObjectRef, name: &str) -> Result<bool, Error> {
        let result = object::delete(&self.gateway, &self.core, obj, name);
        self.after_call(result)
    }

    /// `Object.keys(obj)`.
    pub fn keys(&self, obj: &ObjectRef) -> Result<Vec<String>, Error> {
        let result = object::keys(&self.gateway, &self.core, obj);
        self.after_call(result)
    }

    /// The referenced value copied out (JSON for plain objects; a cycle is
    /// an exception).
    pub fn object_value(&self, obj: &ObjectRef) -> Result<Value, Error> {
        let result = object::value(&self.gateway, &self.core, obj);
        self.after_call(result)
    }

    /// `obj.method(...args)` with `this` = `obj`, or `obj(...args)` when
    /// `method` is `None`. `call_id` as for [`Runtime::eval`].
    pub fn call_method(
        &self,
        obj: &ObjectRef,
        method: Option<&str>,
        args: Args,
        objects: bool,
        call_id: u64,
    ) -> Result<Value, Error> {
        let result = object::call(&self.gateway, &self.core, obj, method, args, objects, call_id);
        self.after_call(result)
    }

    /// `await obj`, running the event loop until a Promise settles (see
    /// object.rs). `call_id` as for [`Runtime::eval`].
    pub fn await_value(&self, obj: &ObjectRef, objects: bool, call_id: u64) -> Result<Value, Error> {
        let result = object::await_settled(&self.gateway, &self.core, obj, objects, call_id);
        self.after_call(result)
    }

    /// Set the loader ES modules come from (see module.rs); replaces one
    /// set before. Any thread the runtime allows.
    pub fn set_module_loader(&self, loader: module::Loader) -> Result<(), Error> {
        self.check_thread()?;
        self.core.modules.set_loader(loader);
        Ok(())
    }

    /// Define host module `name` (imported by exactly that specifier)
    /// with these exports (function references among them call the host).
    pub fn define_module(&self, name: &str, exports: Vec<(String, Value)>) -> Result<(), Error> {
        self.check_thread()?;
        if name.is_empty() {
            return Err(Error::bad_input("module name is empty"));
        }
        for (k, v) in &exports {
            if let Value::Object(o) = v {
                if !self.core.refs.owns(o) {
                    return Err(Error::bad_input(format!(
                        "export {k}: the object belongs to another runtime"
                    )));
                }
            }
        }
        self.core.modules.define(name, exports)
    }

    /// Import module `specifier` (resolved by the loader from `referrer`,
    /// "" for none; or, with `source`, that text as the module named
    /// `specifier`), run it and its graph, wait for top-level await (the
    /// loop runs, as `await_value` does), and return its namespace.
    /// `call_id` as for [`Runtime::eval`]. A module that threw keeps
    /// throwing the same error at every later import.
    pub fn import(
        &self,
        specifier: &str,
        referrer: &str,
        source: Option<&str>,
        call_id: u64,
    ) -> Result<ObjectRef, Error> {
        let core = &*self.core;
        let vm = self.gateway.vm();
        let conv = self.conv(true);
        let started = self.gateway.enter(Call::Id(call_id), |scope| {
            event_loop::settle_owed(scope, core);
            v8::tc_scope!(let tc, scope);
            let Some((done, namespace)) = module::import(tc, core, specifier, referrer, source.map(str::to_string))
            else {
                let kind = if tc
                    .exception()
                    .is_some_and(|e| e.is_native_error() && e.to_rust_string_lossy(tc).starts_with("SyntaxError"))
                {
                    Status::SyntaxError
                } else {
                    Status::Exception
                };
                return Err(isolate::caught!(tc, vm, kind, Some(&core.refs)));
            };
            let done_ref = core.refs.keep(tc, done.into());
            let namespace = core.refs.keep(tc, namespace);
            event_loop::call_done(tc, core, done.into(), conv)?;
            Ok((done_ref, namespace))
        });
        let result = started.and_then(|r| r).and_then(|(done, namespace)| {
            object::await_settled(&self.gateway, core, &done, false, call_id)?;
            Ok(namespace)
        });
        self.after_call(result)
    }

    /// V8's code cache for module `name` (loaded in this runtime) and how
    /// its compile used the cache the loader gave (see module.rs).
    pub fn module_code_cache(&self, name: &str) -> Result<(Vec<u8>, module::CacheUse), Error> {
        let core = &*self.core;
        self.gateway.enter(Call::Step, |scope| {
            module::code_cache(scope, core, name)
                .ok_or_else(|| Error::bad_input(format!("no module {name:?} was compiled in this runtime")))
        })?
    }

    /// How many values the host references now (leak checks).
    pub fn referenced(&self) -> usize {
        self.core.refs.len()
    }

    /// A call that hit the heap limit closes the runtime.
    fn after_call<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            if e.kind == Status::HeapLimit {
                self.close();
            }
        }
        result
    }

    /// Run the event loop on this thread, as `uv_run` does in `mode` (see
    /// event_loop.rs). Not from inside a callback of this runtime.
    pub fn run(&self, mode: RunMode, call_id: u64) -> Result<RunOutcome, Error> {
        let outcome = event_loop::run(&self.gateway, &self.core, mode, call_id);
        self.after_call(outcome)
    }

    /// Make `func` callable from JS as the global `name`. Owner thread (or
    /// any, in any-thread mode), also from inside a callback.
    /// `name` must be an identifier and, unless `opts.replace`, not a
    /// global yet (EXISTS).
    pub fn register(&self, name: &str, func: HostFunction, opts: FunctionOptions) -> Result<(), Error> {
        self.gateway
            .enter(Call::Step, |scope| host::register(scope, &self.core, name, func, opts))?
    }

    /// The id of the innermost call with an id (eval, call, run...) that
    /// is running now: inside a host function, the host call it runs in;
    /// 0 when none.
    pub fn current_call_id(&self) -> u64 {
        self.gateway.current_call()
    }

    /// `globalThis[name] = value` (an object reference stores that very
    /// object), under [`Runtime::register`]'s name rules.
    pub fn define_global(&self, name: &str, value: Value, replace: bool) -> Result<(), Error> {
        let refs = &self.core.refs;
        self.gateway.enter(Call::Step, |scope| {
            let value = value::to_v8(scope, &value, Some(refs)).map_err(Error::bad_input)?;
            host::define_global(scope, name, value, replace)
        })?
    }

    /// `func` as a JS function value (named `name`, which may be any
    /// text), held by the returned reference: set it as a property, pass
    /// it to JS. Threads as `register`.
    pub fn new_function(&self, name: &str, func: HostFunction, with_this: bool) -> Result<ObjectRef, Error> {
        self.gateway.enter(Call::Step, |scope| {
            let f = host::new_function(scope, &self.core, name, func, with_this)?;
            Ok(self.core.refs.keep(scope, f.into()))
        })?
    }

    /// Add a hook set calling `hook` for resources of `types` (a mask of
    /// [`AsyncType`] bits; 0: all); it starts disabled. Returns its id.
    /// `wants_destroy`: it has a destroy hook (promises then report
    /// their collection, at a cost).
    /// Owner thread (or any, in any-thread mode), also from a callback.
    pub fn add_async_hooks(&self, types: u32, wants_destroy: bool, hook: NativeHook) -> Result<u32, Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.gateway.closed_error());
        }
        if types & !AsyncType::ALL != 0 {
            return Err(Error::bad_input(format!(
                "unknown async resource types in mask {types:#x}"
            )));
        }
        Ok(self.core.hooks.add_set(types, wants_destroy, Receiver::Native(hook)))
    }

    /// Enable or disable hook set `id` (from any of C, Go or JS).
    pub fn enable_async_hooks(&self, id: u32, enabled: bool) -> Result<(), Error> {
        self.gateway.enter(Call::Step, |scope| {
            async_hooks::enable_hook_set(scope, &self.core, id, enabled)
        })?
    }

    /// (executionAsyncId, triggerAsyncId) now: meaningful inside a callback
    /// of this runtime, (1, 0) outside. Any thread.
    pub fn async_ids(&self) -> (u64, u64) {
        self.core.hooks.current_ids()
    }

    /// Keep `item` until the runtime is dropped (for embedder finalizers).
    pub fn keep_until_drop(&self, item: Box<dyn Send>) {
        self.core.kept.keep(item);
    }

    /// A notifier delivering to `target` on this runtime's loop, with a
    /// queue of at most `capacity` payloads (0: unbounded). Any thread.
    pub fn notifier(&self, target: Target, capacity: usize) -> Result<Arc<Notifier>, Error> {
        if self.is_closed() {
            return Err(self.gateway.closed_error());
        }
        let async_id = async_hooks::new_async_id(&self.gateway, &self.core, AsyncType::Notifier)?;
        Ok(notifier::create(&self.core, target, capacity, async_id))
    }

    /// Queue `work` on the shared pool; `after` runs on this runtime's loop
    /// with `Ok` or `Canceled`. The request keeps the loop alive until
    /// `after` has run. Any thread.
    pub fn queue_work(
        &self,
        work: WorkFn,
        after: AfterFn,
        created: impl FnOnce(&Arc<WorkRequest>),
    ) -> Result<Arc<WorkRequest>, Error> {
        if self.is_closed() {
            return Err(self.gateway.closed_error());
        }
        let async_id = async_hooks::new_async_id(&self.gateway, &self.core, AsyncType::Work)?;
        let req = work::queue(&self.core, work, after, async_id, created);
        self.core.inbox.wake();
        Ok(req)
    }

    /// Hold this runtime's lock on the calling thread until [`Runtime::unpin`]
    /// (same thread): calls in between skip the per-call gate and lock.
    /// Other threads' calls wait meanwhile. Not from inside a callback, and
    /// not while this thread is inside another runtime.
    pub fn pin(self: &Arc<Self>) -> Result<(), Error> {
        entry::pin(&self.gateway, Arc::clone(self) as Arc<dyn Send + Sync>)
    }

    /// Release what [`Runtime::pin`] took (same thread).
    pub fn unpin(&self) -> Result<(), Error> {
        if entry::unpin(Some(&self.gateway)) {
            Ok(())
        } else {
            Err(Error::new(
                Status::WrongThread,
                "this runtime is not pinned on this thread",
            ))
        }
    }

    /// Release whatever runtime this thread has pinned (for a handle freed
    /// while pinned). Whether there was one.
    pub fn unpin_any() -> bool {
        entry::unpin(None)
    }

    /// Close the runtime and drop this reference to it on this thread once
    /// it is the last one: calls other threads are making (they were
    /// stopped) return first, so the teardown — after-callbacks,
    /// finalizers, isolate disposal — happens here, before this returns.
    /// This thread's own pin is released; from inside one of this
    /// runtime's callbacks the teardown is left to the outermost call.
    pub fn dispose(this: Arc<Runtime>) {
        this.close();
        entry::unpin(Some(&this.gateway));
        if this.entered_on_this_thread() {
            return;
        }
        this.gateway.calls().wait_sole_owner(&this);
        if this.gateway.calls().is_dead() {
            // Abandoned frames hold references that are never dropped: hand
            // back the embedder's data now and leave the rest (entry.rs).
            this.release_embedder_data();
            std::mem::forget(this);
        }
    }

    /// The heap's statistics now (see [`observe::HeapStats`]).
    pub fn heap_stats(&self) -> Result<observe::HeapStats, Error> {
        let vm = self.gateway.vm();
        self.gateway.with_isolate(|isolate| observe::heap_stats(isolate, vm))
    }

    /// A heap snapshot (`.heapsnapshot` JSON) written to `write` in chunks
    /// as V8 makes it; `write` returning an error stops it. Collects
    /// garbage first, as V8 does for every snapshot.
    pub fn write_heap_snapshot(&self, write: impl FnMut(&[u8]) -> observe::ChunkResult) -> Result<(), Error> {
        self.gateway
            .enter(Call::Step, |scope| observe::write_heap_snapshot(scope, write))?
    }

    /// Serve the Chrome DevTools Protocol for this runtime on `addr`
    /// ("127.0.0.1:9229"; port 0 picks one): `/json/list`, `/json/version`
    /// and a WebSocket per session (inspector_server.rs). Only loopback
    /// addresses unless `any_address`. With `wait`, return only once a
    /// client sent `Runtime.runIfWaitingForDebugger` (see
    /// [`Runtime::wait_for_debugger`]).
    pub fn inspect(
        self: &Arc<Self>,
        addr: &str,
        wait: bool,
        any_address: bool,
    ) -> Result<crate::inspector_server::Listening, Error> {
        self.start_inspector()?;
        let listening = crate::inspector_server::listen(self, addr, any_address)?;
        if wait {
            self.wait_for_debugger()?;
        }
        Ok(listening)
    }

    /// Wait until a DevTools client sends `Runtime.runIfWaitingForDebugger`
    /// (it has set its breakpoints); the next script evaluated then pauses
    /// before its first statement (Node's `--inspect-brk`). Not from inside
    /// a call of this runtime.
    pub fn wait_for_debugger(&self) -> Result<(), Error> {
        if !self.core.inspector.is_live() {
            return Err(Error::bad_input("the runtime has no inspector (inspect it first)"));
        }
        if self.entered_on_this_thread() {
            return Err(Error::new(
                Status::WrongThread,
                "cannot wait for a debugger from inside a call of the runtime",
            ));
        }
        self.core.inspector.shared.wait_for_debugger()?;
        self.core.inspector.pause_next_script();
        Ok(())
    }

    /// Make V8's inspector for the context and the thread that serves it
    /// while the runtime is idle (once).
    fn start_inspector(self: &Arc<Self>) -> Result<(), Error> {
        if self.core.inspector.is_live() {
            return Ok(());
        }
        let name = self.name().to_string();
        self.gateway
            .enter(Call::Step, |scope| self.core.inspector.ensure(scope, &name))?;
        let weak = Arc::downgrade(self);
        let shared = Arc::clone(&self.core.inspector.shared);
        std::thread::Builder::new()
            .name("v8r-inspector-pump".into())
            .spawn(move || {
                while shared.wait_for_work() {
                    let Some(rt) = weak.upgrade() else { break };
                    if rt.is_closed() {
                        break;
                    }
                    let _ = rt
                        .gateway
                        .enter_from_any_thread(Call::Step, |_| rt.core.inspector.pump());
                    drop(rt);
                }
            })
            .map_err(|e| Error::new(Status::Internal, format!("inspector thread: {e}")))?;
        Ok(())
    }

    /// A new inspector session whose messages go to `out`; its id.
    pub fn inspector_connect(self: &Arc<Self>, out: crate::inspector::Outbound) -> Result<u64, Error> {
        self.start_inspector()?;
        let id = self.core.inspector.connect(out);
        self.wake_inspector();
        Ok(id)
    }

    /// A protocol message for session `id`. Any thread.
    pub fn inspector_send(&self, id: u64, message: String) {
        self.core.inspector.send(id, message);
        self.wake_inspector();
    }

    /// End session `id`. Any thread.
    pub fn inspector_disconnect(&self, id: u64) {
        self.core.inspector.disconnect(id);
        self.wake_inspector();
    }

    /// Have the runtime's thread serve the inspector: the loop (if it runs),
    /// an interrupt (if JS runs); the pump thread covers an idle runtime.
    fn wake_inspector(&self) {
        self.core.inbox.post(event_loop::Event::Inspector);
        self.gateway
            .vm()
            .handle()
            .request_interrupt(crate::inspector::interrupt, std::ptr::null_mut());
    }

    /// Start a CPU profile (V8's sampling profiler, one sample every
    /// `interval_us` microseconds; 0: 1000). Owner thread (or any, in
    /// any-thread mode).
    pub fn start_cpu_profile(self: &Arc<Self>, interval_us: u32) -> Result<(), Error> {
        let mut profile = self.profile.lock().unwrap_or_else(|e| e.into_inner());
        if profile.is_some() {
            return Err(Error::new(Status::Busy, "a CPU profile is running already"));
        }
        let (out, rx) = crate::inspector::channel();
        let id = self.inspector_connect(out)?;
        let interval = if interval_us == 0 { 1000 } else { interval_us };
        for msg in [
            r#"{"id":1,"method":"Profiler.enable"}"#.to_string(),
            format!(r#"{{"id":2,"method":"Profiler.setSamplingInterval","params":{{"interval":{interval}}}}}"#),
            r#"{"id":3,"method":"Profiler.start"}"#.to_string(),
        ] {
            self.core.inspector.send(id, msg);
        }
        self.gateway.enter(Call::Step, |_| self.core.inspector.pump())?;
        *profile = Some((id, rx));
        Ok(())
    }

    /// Stop the CPU profile and write it to `write` as a `.cpuprofile`
    /// (the JSON Chrome DevTools and speedscope open).
    pub fn stop_cpu_profile(&self, write: impl FnOnce(&[u8]) -> observe::ChunkResult) -> Result<(), Error> {
        let Some((id, rx)) = self.profile.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return Err(Error::bad_input("no CPU profile is running"));
        };
        self.core
            .inspector
            .send(id, r#"{"id":4,"method":"Profiler.stop"}"#.to_string());
        self.core.inspector.disconnect(id);
        self.gateway.enter(Call::Step, |_| self.core.inspector.pump())?;
        let answer = rx
            .try_iter()
            .find(|m| m.starts_with(r#"{"id":4,"#))
            .ok_or_else(|| Error::new(Status::Internal, "the profiler did not answer"))?;
        let profile = crate::profiler::profile_of(&answer)?;
        write(profile.as_bytes()).map_err(|e| Error::new(Status::Exception, format!("writing the CPU profile: {e}")))
    }

    /// Stop the script or loop running now, if any. Any thread, any time.
    pub fn terminate(&self) {
        self.gateway.terminate();
    }

    /// Stop the call started with `call_id` (non-zero): now if it runs or
    /// waits for its turn, or as soon as it starts. Never another call.
    /// Any thread.
    pub fn terminate_call(&self, call_id: u64) {
        self.gateway.terminate_call(call_id);
    }

    /// Mark closed: later calls and calls waiting for their turn fail with
    /// `Closed`, the running one is stopped. The isolate itself is disposed
    /// when the last reference is dropped.
    pub fn close(&self) {
        self.gateway.close();
    }

    /// Hand back everything the embedder gave this runtime, on this thread:
    /// work after-callbacks (with `Canceled`), notifier targets, kept data
    /// (the finalizers).
    fn release_embedder_data(&self) {
        self.core.work.cancel_all();
        let finalize = std::panic::AssertUnwindSafe(|| {
            self.core.notifiers.close_all();
            self.core.kept.release();
        });
        let _ = std::panic::catch_unwind(finalize);
    }
}

/// The global function `name` of the scope's context.
fn global_function<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> Result<v8::Local<'s, v8::Function>, Error> {
    // Internalized: lookups by an internalized key skip re-hashing the name
    // (measured: the largest part of a call).
    let key = v8::String::new_from_utf8(scope, name.as_bytes(), v8::NewStringType::Internalized)
        .ok_or_else(|| Error::bad_input("function name too long"))?;
    let global = scope.get_current_context().global(scope);
    global
        .get(scope, key.into())
        .and_then(|v| v8::Local::<v8::Function>::try_from(v).ok())
        .ok_or_else(|| Error::new(Status::Exception, format!("TypeError: {name} is not a function")))
}

impl Runtime {
    /// Check that this runtime (made `for_snapshot`) can become a snapshot
    /// now, and mark its context as the one to keep. Nothing changes when
    /// it cannot: the error says why.
    pub fn prepare_snapshot(&self) -> Result<(), Error> {
        if !self.gateway.vm().is_creator() {
            return Err(snapshot::refuse(
                "it was not created for one (RuntimeOptions::for_snapshot, V8R_RUNTIME_FOR_SNAPSHOT)",
            ));
        }
        if self.entered_on_this_thread() {
            return Err(Error::new(
                Status::WrongThread,
                "cannot snapshot a runtime from inside one of its own calls",
            ));
        }
        let core = &*self.core;
        self.gateway.enter(Call::Step, |scope| {
            // What is due runs first (microtasks, FinalizationRegistry
            // cleanups, which V8 cannot serialize while pending).
            event_loop::checkpoint(scope, core);
            for _ in 0..2 {
                scope.low_memory_notification();
                crate::platform::run_pending_tasks(scope);
                event_loop::checkpoint(scope, core);
            }
            self.snapshot_blocker()
                .map_or(Ok(()), |why| Err(snapshot::refuse(why)))?;
            drop(core.rejections.take());
            core.refs.collect();
            if let Some(budget) = &self.handles {
                budget.check(scope, core.refs.len())?;
            }
            let context = scope.get_current_context();
            snapshot::keep(scope, self.gateway.vm(), context, core)
        })?
    }

    /// What keeps this runtime from being a snapshot now, if anything.
    fn snapshot_blocker(&self) -> Option<String> {
        let core = &*self.core;
        let count = |n: usize, what: &str| (n > 0).then(|| format!("{n} {what}"));
        count(
            core.timers().pending(),
            "timers or immediates are pending (clear them, or let them run first)",
        )
        .or_else(|| count(core.notifiers.len(), "notifiers are open (close them first)"))
        .or_else(|| count(core.work.len(), "work requests are in flight"))
        .or_else(|| count(core.hosts.promises_pending(), "host promises are unsettled"))
        .or_else(|| {
            count(
                core.modules.count(),
                "ES modules are loaded or defined (a snapshot keeps classic scripts only)",
            )
        })
        .or_else(|| core.hooks.snapshot_blocker().map(str::to_string))
    }

    /// Turn a runtime made `for_snapshot` into a snapshot: its heap as it
    /// is (globals, functions and their compiled code, the environment),
    /// for [`RuntimeOptions::snapshot`]. Consumes the runtime: it is
    /// closed, other references to it then fail with CLOSED (values and
    /// functions held from it too) and its isolate is gone. Refused, with
    /// the runtime untouched, when it holds what a snapshot cannot: pending
    /// timers, open notifiers, work in flight, unsettled host promises, ES
    /// modules, async hook sets, live Intl objects.
    pub fn into_snapshot(this: Arc<Runtime>) -> Result<Snapshot, Error> {
        this.prepare_snapshot()?;
        Runtime::finish_snapshot(this)
    }

    /// The second half of [`Runtime::into_snapshot`], after
    /// [`Runtime::prepare_snapshot`] (the C ABI takes the runtime out of
    /// its table in between).
    pub fn finish_snapshot(this: Arc<Runtime>) -> Result<Snapshot, Error> {
        this.close();
        entry::unpin(Some(&this.gateway));
        this.gateway.calls().wait_sole_owner(&this);
        if this.gateway.calls().is_dead() {
            return Err(this.gateway.closed_error());
        }
        // Calls that came in before the close may have started something.
        if let Some(why) = this.snapshot_blocker() {
            return Err(snapshot::refuse(why));
        }
        let mut runtime =
            Arc::try_unwrap(this).map_err(|_| Error::new(Status::Internal, "the runtime is still shared"))?;
        runtime.release_all();
        // What V8 holds for objects it cannot serialize shows only now that
        // everything of ours is gone; V8 would abort on it.
        if let Some(budget) = &runtime.handles {
            let mut locked = runtime.gateway.vm().lock()?;
            let left = budget.left_after_teardown(&mut locked);
            drop(locked);
            left?;
        }
        let blob = runtime.gateway.take_vm().create_blob()?;
        Ok(Snapshot::from_blob(&blob))
    }

    /// The teardown up to the isolate, in order: the embedder's data (on
    /// this thread), V8 handles under the isolate lock, host functions (V8
    /// points at them). A dead runtime's V8 state stays as it is (see
    /// entry.rs).
    fn release_all(&mut self) {
        self.close();
        self.release_embedder_data();
        if self.gateway.calls().is_dead() {
            // V8 state refers to an abandoned stack: the isolate and every
            // handle into it stay as they are, forever.
            std::mem::forget(Arc::clone(&self.core));
            return;
        }
        let handles = (
            // The inspector first: its sessions hold V8 handles too.
            InspectorGone(&self.core.inspector),
            self.core.dispatch().take(),
            self.core.rejections.take(),
            self.core.hosts.take_promises(),
            self.core.hooks.take_handles(),
            self.core.refs.take_all(),
            self.core.modules.take_handles(),
        );
        self.gateway.release_context(handles);
        self.core.hosts.drop_functions();
    }
}

/// Disposes of the inspector when dropped (under the isolate's lock, in
/// the teardown).
struct InspectorGone<'a>(&'a crate::inspector::Inspector);

impl Drop for InspectorGone<'_> {
    fn drop(&mut self) {
        self.0.dispose();
    }
}

/// The teardown, then the isolate (unless a snapshot took it).
impl Drop for Runtime {
    fn drop(&mut self) {
        if self.gateway.has_vm() {
            self.release_all();
            self.gateway.dispose_isolate();
        }
    }
}
