//! Host functions: JS calls into the embedder by name. A sync function
//! returns a value or an error message (thrown as a JS Error); an async one
//! gets a [`Settler`] and JS gets a Promise that settles, through the loop,
//! when any thread calls `resolve`/`reject` (or rejects if the settler is
//! dropped unsettled, so a forgotten promise never hangs).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::async_hooks::{self, AsyncType};
use crate::core::Core;
use crate::error::{panic_message, Error, Status};
use crate::event_loop::Event;
use crate::value::{self, Args, Conv, Value};

/// What a host function throws (or an async one rejects with).
#[derive(Debug, Clone, PartialEq)]
pub enum Thrown {
    /// `new Error(message)`, carrying `tag` (non-zero, below 2^53) where
    /// JS cannot see it: when the error comes back to the host as an
    /// exception (thrown through, or as another error's `cause`), the
    /// host's error has the tag (`Error::host_tag`), so the host can tell
    /// its own error again.
    Error { message: String, tag: u64 },
    /// This value itself (a live exception rethrown keeps its identity:
    /// same constructor, same stack).
    Value(Value),
}

impl From<String> for Thrown {
    fn from(message: String) -> Thrown {
        Thrown::Error { message, tag: 0 }
    }
}

impl From<&str> for Thrown {
    fn from(message: &str) -> Thrown {
        Thrown::from(message.to_string())
    }
}

/// A synchronous host function.
pub type SyncFn = Box<dyn Fn(&[Value]) -> Result<Value, Thrown> + Send + Sync>;
/// An asynchronous host function: settle the promise later, from any thread.
pub type AsyncFn = Box<dyn Fn(Vec<Value>, Settler) + Send + Sync>;

pub enum HostFunction {
    Sync(SyncFn),
    Async(AsyncFn),
}

/// What a host function's V8 `data` points at; boxed and owned by the
/// runtime's [`Registry`].
struct HostEntry {
    core: Weak<Core>,
    func: HostFunction,
    /// Pass the call's `this` (as a reference when an object) before the
    /// JS arguments.
    with_this: bool,
}

/// An unsettled host promise: its resolver, async id and trigger.
type Pending = (v8::Global<v8::PromiseResolver>, u64, u64);

/// A runtime's host functions and host promises.
#[derive(Default)]
pub(crate) struct Registry {
    /// Boxed on purpose: V8 holds pointers to the entries, which must not
    /// move when the vector grows.
    #[allow(clippy::vec_box)]
    functions: Mutex<Vec<Box<HostEntry>>>,
    /// Unsettled promises (each keeps the loop alive), and settlements
    /// waiting for the loop.
    promises: Mutex<HashMap<u64, Pending>>,
    settlements: Mutex<HashMap<u64, Result<Value, Thrown>>>,
    /// Host functions known by number (see [`Slots`]).
    slots: Mutex<Slots>,
}

/// Host functions a snapshot can hold. V8 cannot serialize an address, so
/// in a runtime made for a snapshot a function's data is its number here,
/// and a snapshot keeps the names. A runtime made from the snapshot starts
/// with every number unbound, until the host registers that name again.
#[derive(Default)]
struct Slots {
    /// New functions get a number (the runtime is made for a snapshot).
    numbered: bool,
    list: Vec<(String, Option<Arc<HostEntry>>)>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    fn add_promise(&self, core: &Core, id: u64, resolver: v8::Global<v8::PromiseResolver>, async_id: u64) {
        core.liveness.add(1);
        let trigger = core.hooks.current_ids().0;
        locked(&self.promises).insert(id, (resolver, async_id, trigger));
    }

    /// The V8 handles of unsettled promises, for the runtime to drop under
    /// its isolate lock.
    pub(crate) fn take_promises(&self) -> HashMap<u64, Pending> {
        std::mem::take(&mut *locked(&self.promises))
    }

    /// Host promises not settled yet.
    pub(crate) fn promises_pending(&self) -> usize {
        locked(&self.promises).len()
    }

    /// Forget the functions (last, before the isolate: V8 points at them).
    pub(crate) fn drop_functions(&self) {
        drop(std::mem::take(&mut *locked(&self.functions)));
        drop(std::mem::take(&mut locked(&self.slots).list));
    }

    /// Give every new function a number (a runtime made for a snapshot).
    pub(crate) fn number_functions(&self) {
        locked(&self.slots).numbered = true;
    }

    /// The names of the numbered functions, in number order.
    pub(crate) fn numbered_names(&self) -> Vec<String> {
        locked(&self.slots).list.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Numbered functions from a snapshot, unbound, in number order.
    pub(crate) fn restore_numbered(&self, names: Vec<String>) {
        locked(&self.slots).list = names.into_iter().map(|n| (n, None)).collect();
    }

    /// Bind the unbound numbered functions called `name` to `entry`;
    /// whether there were any.
    fn bind_numbered(&self, name: &str, entry: &Arc<HostEntry>) -> bool {
        let mut slots = locked(&self.slots);
        let mut any = false;
        for (n, e) in slots.list.iter_mut() {
            if n == name && e.is_none() {
                *e = Some(Arc::clone(entry));
                any = true;
            }
        }
        any
    }

    /// Numbered function `i`: bound, or its name.
    fn numbered(&self, i: usize) -> Result<Arc<HostEntry>, String> {
        match locked(&self.slots).list.get(i) {
            Some((_, Some(entry))) => Ok(Arc::clone(entry)),
            Some((name, None)) => Err(format!(
                "host function {name:?} is not bound: this runtime was made from a snapshot, \
                 so register {name:?} again before calling it"
            )),
            None => Err("host function without its number".into()),
        }
    }
}

/// How a host function is installed.
#[derive(Debug, Clone, Copy, Default)]
pub struct FunctionOptions {
    /// Register over a global that exists already (else EXISTS).
    pub replace: bool,
    /// The function sees the call's `this` before its arguments.
    pub with_this: bool,
}

/// Make `func` callable from JS as the global `name` of the scope's
/// context, owned by `core`'s registry. `name` must be an identifier that
/// is not a global yet (a built-in such as `Math`, or a name registered
/// before), unless `opts.replace`.
pub(crate) fn register(
    scope: &mut v8::PinScope,
    core: &Arc<Core>,
    name: &str,
    func: HostFunction,
    opts: FunctionOptions,
) -> Result<(), Error> {
    // A snapshot's functions of this name take it, wherever its JS holds
    // them (the global too, unless the snapshot's code changed that).
    let entry = Arc::new(HostEntry {
        core: Arc::downgrade(core),
        func,
        with_this: opts.with_this,
    });
    if core.hosts.bind_numbered(name, &entry) {
        return Ok(());
    }
    let Ok(entry) = Arc::try_unwrap(entry) else {
        return Err(Error::new(Status::Internal, "a host function is shared"));
    };
    let func = entry.func;
    // Checked before the function exists: a refused name leaves nothing behind.
    let slot = GlobalSlot::check(scope, name, opts.replace)?;
    let f = new_function(scope, core, name, func, opts.with_this)?;
    slot.set(scope, f.into())
}

/// `globalThis[name] = value` under the rules of [`register`].
pub(crate) fn define_global(
    scope: &mut v8::PinScope,
    name: &str,
    value: v8::Local<v8::Value>,
    replace: bool,
) -> Result<(), Error> {
    GlobalSlot::check(scope, name, replace)?.set(scope, value)
}

/// A global name checked for a registration: an identifier, and free
/// unless replacing.
struct GlobalSlot<'s, 'a> {
    name: &'a str,
    key: v8::Local<'s, v8::String>,
    global: v8::Local<'s, v8::Object>,
}

impl<'s, 'a> GlobalSlot<'s, 'a> {
    fn check(scope: &mut v8::PinScope<'s, '_>, name: &'a str, replace: bool) -> Result<Self, Error> {
        check_identifier(name)?;
        let key = v8::String::new(scope, name).ok_or_else(|| Error::bad_input("name too long"))?;
        let global = scope.get_current_context().global(scope);
        if !replace && global.has(scope, key.into()).unwrap_or(true) {
            return Err(Error::new(
                Status::Exists,
                format!("the global `{name}` exists already (replace it explicitly)"),
            ));
        }
        Ok(GlobalSlot { name, key, global })
    }

    /// Store `value`; a global that will not take it (not writable) is
    /// EXISTS.
    fn set(self, scope: &mut v8::PinScope<'s, '_>, value: v8::Local<v8::Value>) -> Result<(), Error> {
        let (key, global) = (self.key.into(), self.global);
        if global.set(scope, key, value) != Some(true) || !global.get(scope, key).is_some_and(|v| v == value) {
            return Err(Error::new(
                Status::Exists,
                format!("the global `{}` cannot be replaced", self.name),
            ));
        }
        Ok(())
    }
}

/// A JS function calling `func`, named `name`, owned by `core`'s registry.
pub(crate) fn new_function<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    core: &Arc<Core>,
    name: &str,
    func: HostFunction,
    with_this: bool,
) -> Result<v8::Local<'s, v8::Function>, Error> {
    let entry = Box::new(HostEntry {
        core: Arc::downgrade(core),
        func,
        with_this,
    });
    let key = v8::String::new(scope, name).ok_or_else(|| Error::bad_input("name too long"))?;
    let mut slots = locked(&core.hosts.slots);
    let data: v8::Local<v8::Value> = if slots.numbered {
        let n = slots.list.len();
        let number = i32::try_from(n).map_err(|_| Error::bad_input("too many host functions"))?;
        slots.list.push((name.to_string(), Some(Arc::from(entry))));
        v8::Integer::new(scope, number).into()
    } else {
        let ptr = &*entry as *const HostEntry as *mut std::ffi::c_void;
        locked(&core.hosts.functions).push(entry);
        v8::External::new(scope, ptr).into()
    };
    drop(slots);
    let f = v8::Function::builder(callback)
        .data(data)
        .build(scope)
        .ok_or_else(|| Error::new(Status::Internal, "cannot create function"))?;
    f.set_name(key);
    Ok(f)
}

/// Words JS reserves: a global named so could never be called by name.
const RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// `name` is a JS identifier (ECMAScript IdentifierName, not a reserved
/// word), else BAD_INPUT.
pub(crate) fn check_identifier(name: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let start_ok = chars.next().is_some_and(|c| c == '$' || c == '_' || c.is_alphabetic());
    let rest_ok = chars.all(|c| c == '$' || c == '_' || c == '\u{200c}' || c == '\u{200d}' || c.is_alphanumeric());
    if !start_ok || !rest_ok || RESERVED.contains(&name) {
        let shown: String = name.chars().take(40).collect();
        return Err(Error::bad_input(format!("{shown:?} is not a JS identifier")));
    }
    Ok(())
}

/// Host promise `id` was settled: settle its JS promise on the loop, as
/// its async resource. None: nothing to do.
pub(crate) fn settle_event(scope: &mut v8::PinScope, core: &Core, id: u64) -> Option<Result<(), Error>> {
    let pending = locked(&core.hosts.promises).remove(&id);
    let outcome = locked(&core.hosts.settlements).remove(&id);
    let ((resolver, async_id, trigger), outcome) = (pending?, outcome?);
    core.liveness.remove(1);
    let result = async_hooks::run_as(scope, core, async_id, trigger, AsyncType::HostPromise, |scope| {
        settle(scope, core, resolver, outcome)
    });
    async_hooks::destroy(scope, core, async_id, AsyncType::HostPromise);
    Some(result)
}

static NEXT_PROMISE: AtomicU64 = AtomicU64::new(1);

/// The right to settle one host promise, exactly once, from any thread.
pub struct Settler {
    id: u64,
    core: Weak<Core>,
    settled: bool,
}

impl Settler {
    pub fn resolve(mut self, value: Value) -> Result<(), Error> {
        self.settle(Ok(value))
    }

    pub fn reject(mut self, reason: impl Into<Thrown>) -> Result<(), Error> {
        self.settle(Err(reason.into()))
    }

    fn settle(&mut self, outcome: Result<Value, Thrown>) -> Result<(), Error> {
        self.settled = true;
        let core = self
            .core
            .upgrade()
            .ok_or_else(|| Error::new(Status::Closed, "the runtime was freed"))?;
        locked(&core.hosts.settlements).insert(self.id, outcome);
        core.inbox.post(Event::Settle(self.id));
        Ok(())
    }
}

impl Drop for Settler {
    fn drop(&mut self) {
        if !self.settled {
            let _ = self.settle(Err("the host dropped this promise without settling it".into()));
        }
    }
}

/// The callback of every host function (for snapshots).
pub(crate) fn callbacks() -> [v8::FunctionCallback; 1] {
    [v8::MapFnTo::map_fn_to(callback)]
}

/// The V8 callback behind every host function. Everything in it runs
/// inside the panic boundary: a panic cannot unwind through V8's frames.
fn callback(scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>) {
    let outcome = catch_unwind(AssertUnwindSafe(|| call(scope, &args, &mut rv)))
        .unwrap_or_else(|p| Err((format!("host function panicked: {}", panic_message(&*p)).into(), None)));
    if let Err((thrown, core)) = outcome {
        let refs = core.as_ref().map(|c| &c.refs);
        let exception = thrown_to_v8(scope, thrown, refs);
        scope.throw_exception(exception);
    }
}

/// Throw `new Error(message)` in the scope.
pub(crate) fn throw_error(scope: &mut v8::PinScope, message: &str) {
    let msg = v8::String::new(scope, message).unwrap_or_else(|| v8::String::empty(scope));
    let exc = v8::Exception::error(scope, msg);
    scope.throw_exception(exc);
}

/// The JS value of what the host throws.
fn thrown_to_v8<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    thrown: Thrown,
    refs: Option<&Arc<crate::refs::Refs>>,
) -> v8::Local<'s, v8::Value> {
    let (message, tag) = match thrown {
        Thrown::Value(v) => match value::into_v8(scope, v, refs) {
            Ok(v) => return v,
            Err(m) => (format!("host function threw a bad value: {m}"), 0),
        },
        Thrown::Error { message, tag } => (message, tag),
    };
    let msg = v8::String::new(scope, &message).unwrap_or_else(|| v8::String::empty(scope));
    let exc = v8::Exception::error(scope, msg);
    if tag != 0 {
        if let Ok(obj) = v8::Local::<v8::Object>::try_from(exc) {
            let key = crate::isolate::host_tag_key(scope);
            let tag = v8::Number::new(scope, tag as f64);
            obj.set_private(scope, key, tag.into());
        }
    }
    exc
}

/// What a host call throws, with its runtime's core when known.
type CallError = (Thrown, Option<Arc<Core>>);

/// A host call. `Ok` with an exception already pending (a conversion that
/// threw) lets it propagate.
fn call(
    scope: &mut v8::PinScope,
    args: &v8::FunctionCallbackArguments,
    rv: &mut v8::ReturnValue<v8::Value>,
) -> Result<(), CallError> {
    let numbered;
    let entry = match v8::Local::<v8::External>::try_from(args.data()) {
        // SAFETY: points at a HostEntry the Core owns; the Core outlives
        // the context whose functions carry this pointer.
        Ok(data) => unsafe { &*(data.value() as *const HostEntry) },
        Err(_) => {
            let core = crate::natives::core_of(scope).ok_or(("host function outside its runtime".into(), None))?;
            let i = args.data().uint32_value(scope).unwrap_or(u32::MAX) as usize;
            numbered = core.hosts.numbered(i).map_err(|m| (m.into(), None))?;
            &*numbered
        }
    };
    let Some(core) = entry.core.upgrade() else {
        return Err(("the runtime is closing".into(), None));
    };
    let mut argv = Args::with_capacity(args.length().max(0) as usize + entry.with_this as usize);
    if entry.with_this {
        match value::from_v8(scope, args.this().into(), Conv::objects(&core.refs)) {
            Some(v) => argv.push(v),
            None => return Ok(()),
        }
    }
    for i in 0..args.length() {
        match value::from_v8(scope, args.get(i), Conv::with(&core.refs)) {
            Some(v) => argv.push(v),
            None => return Ok(()), // conversion threw (a cycle...): let it propagate
        }
    }
    let result = match &entry.func {
        HostFunction::Sync(f) => match f(&argv) {
            Ok(v) => v,
            Err(thrown) => return Err((thrown, Some(core))),
        },
        HostFunction::Async(f) => {
            let Some(resolver) = v8::PromiseResolver::new(scope) else {
                return Err(("cannot create a promise".into(), Some(core)));
            };
            let id = NEXT_PROMISE.fetch_add(1, Ordering::Relaxed);
            let promise = resolver.get_promise(scope);
            let async_id = async_hooks::create(scope, &core, AsyncType::HostPromise, Some(promise.into()));
            core.hosts
                .add_promise(&core, id, v8::Global::new(scope, resolver), async_id);
            rv.set(promise.into());
            f(
                argv.into_vec(),
                Settler {
                    id,
                    core: Arc::downgrade(&core),
                    settled: false,
                },
            );
            return Ok(());
        }
    };
    match value::to_v8(scope, &result, Some(&core.refs)) {
        Ok(v) => rv.set(v),
        Err(m) => return Err((format!("host function returned a bad value: {m}").into(), Some(core))),
    }
    Ok(())
}

/// Settle a host promise's JS promise (the loop then runs the microtasks).
fn settle(
    scope: &mut v8::PinScope,
    core: &Core,
    resolver: v8::Global<v8::PromiseResolver>,
    outcome: Result<Value, Thrown>,
) -> Result<(), Error> {
    let resolver = v8::Local::new(scope, resolver);
    let refs = Some(&core.refs);
    let value = match outcome {
        Ok(v) => {
            value::to_v8(scope, &v, refs).map_err(|m| format!("host promise resolved with a bad value: {m}").into())
        }
        Err(thrown) => Err(thrown),
    };
    match value {
        Ok(v) => resolver.resolve(scope, v),
        Err(thrown) => {
            let reason = thrown_to_v8(scope, thrown, refs);
            resolver.reject(scope, reason)
        }
    };
    Ok(())
}
