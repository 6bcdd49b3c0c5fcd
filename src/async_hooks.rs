//! Async hooks and async context, after Node's AsyncWrap / async_hooks.
//!
//! Every async resource of a runtime (timers, immediates, queued
//! microtasks, pool work, notifiers, host promises, JS promises) takes an
//! id from one counter and remembers the execution id that created it (its
//! trigger). With no hook set enabled, no AsyncLocalStorage and no long
//! stack traces, that is all a resource costs. A record keeps the async
//! context a resource was created in and its long-stack link when those are
//! on.
//!
//! Hook sets follow Node's rule: each event goes to the sets enabled when
//! it happens (whose type filter takes the resource). A disabled set hears
//! nothing more; a set enabled later hears the callbacks of resources
//! created before it. Ids stay exact throughout: disabling loses none.
//!
//! Everything here runs on the runtime's thread with its isolate entered.
//! A resource created while a hook runs gets an id but fires no hooks, so
//! a hook that logs or schedules cannot recurse forever; an exception or
//! panic in a hook is reported through the error channel, and the id stack
//! is only ever changed here, never by hook code.

use std::collections::HashMap;
use std::ffi::CStr;
use std::fmt::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use smallvec::SmallVec;

use crate::core::Core;
use crate::entry::{Call, Gateway};
use crate::error::{panic_message, Error, Status};

/// The execution id of code outside any async callback.
pub(crate) const ROOT_ID: u64 = 1;

/// How many hops a long stack trace keeps (the nearest ones).
const MAX_CHAIN: usize = 16;

/// Async resource types; a hook set's `types` is a mask of them (0: all).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsyncType {
    Timeout = 1,
    Interval = 2,
    Immediate = 4,
    /// A function passed to `queueMicrotask`.
    Microtask = 8,
    /// A `v8r_queue_work` request (its after-callback).
    Work = 16,
    /// A notifier: one before/after pair per payload delivered.
    Notifier = 32,
    /// The promise of an async host function.
    HostPromise = 64,
    /// A JS promise (V8's promise hooks; installed when first asked for).
    Promise = 128,
}

impl AsyncType {
    pub(crate) const ALL: u32 = 0xff;

    /// Every type, in bit order (what C, Go and JS learn the names from).
    pub const LIST: [AsyncType; 8] = [
        AsyncType::Timeout,
        AsyncType::Interval,
        AsyncType::Immediate,
        AsyncType::Microtask,
        AsyncType::Work,
        AsyncType::Notifier,
        AsyncType::HostPromise,
        AsyncType::Promise,
    ];

    /// The name hooks see ("Timeout", ..., "PROMISE" as in Node).
    pub fn c_name(self) -> &'static CStr {
        match self {
            AsyncType::Timeout => c"Timeout",
            AsyncType::Interval => c"Interval",
            AsyncType::Immediate => c"Immediate",
            AsyncType::Microtask => c"Microtask",
            AsyncType::Work => c"Work",
            AsyncType::Notifier => c"Notifier",
            AsyncType::HostPromise => c"HostPromise",
            AsyncType::Promise => c"PROMISE",
        }
    }

    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("?")
    }

    pub fn from_u32(n: u32) -> Option<Self> {
        AsyncType::LIST.into_iter().find(|&t| t as u32 == n)
    }
}

/// What a hook set is told.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HookEvent {
    Init { id: u64, ty: AsyncType, trigger: u64 },
    Before(u64),
    After(u64),
    Destroy(u64),
    PromiseResolve(u64),
}

/// A hook set implemented outside JS (C, or Go through C).
pub type NativeHook = Box<dyn Fn(HookEvent) + Send + Sync>;

pub enum Receiver {
    Native(NativeHook),
    /// A set made by `asyncHooks.createHook`; the prelude holds its functions.
    Js,
}

pub struct HookSet {
    pub id: u32,
    types: u32,
    /// It has a destroy hook: promises it tracks report their collection
    /// (which costs a FinalizationRegistry entry per promise).
    wants_destroy: bool,
    enabled: AtomicBool,
    receiver: Receiver,
}

type Sets = SmallVec<[Arc<HookSet>; 2]>;

struct Record {
    trigger: u64,
    context: Option<v8::Global<v8::Value>>,
    chain: Option<Arc<Link>>,
    /// Created inside a hook: it fires no hooks, ever (so a hook that
    /// schedules cannot recurse).
    silent: bool,
}

/// One hop of a long stack trace: a resource and where it was created.
struct Link {
    ty: AsyncType,
    id: u64,
    stack: String,
    parent: Option<Arc<Link>>,
    depth: usize,
}

/// A callback running now.
struct Frame {
    id: u64,
    trigger: u64,
    /// The resource's type; None when it has no events (the microtask
    /// checkpoint between callbacks, execution id 0; a silent resource).
    ty: Option<AsyncType>,
    /// The async context to put back when the callback ends.
    saved_context: Option<v8::Global<v8::Value>>,
    /// destroy() came while the callback ran: fire it after `after`.
    destroyed: bool,
}

#[derive(Default)]
struct State {
    sets: Vec<Arc<HookSet>>,
    records: HashMap<u64, Record>,
    stack: Vec<Frame>,
    in_hook: u32,
}

/// V8 handles taken out of an [`AsyncState`], dropped by their owner.
pub(crate) struct HeldHandles {
    _records: HashMap<u64, Record>,
    _stack: Vec<Frame>,
}

/// A runtime's async ids, hook sets and records.
pub(crate) struct AsyncState {
    next_id: AtomicU64,
    /// A set is enabled, a record exists or long stacks are on: the slow path.
    tracking: AtomicBool,
    /// An AsyncLocalStorage exists: resources capture the async context.
    context_used: AtomicBool,
    long_stacks: AtomicBool,
    /// V8's promise hooks are installed (once a set asks for PROMISE).
    promise_hooks_on: AtomicBool,
    state: Mutex<State>,
    /// Four f64s shared with the prelude (a Float64Array): how a new
    /// promise's record reaches JS without allocating a JS array here.
    scratch: Mutex<Option<Scratch>>,
}

/// Doubles in the scratch buffer: a promise record and whether to watch
/// for its collection.
pub(crate) const SCRATCH_LEN: usize = 4;

/// The prelude's scratch Float64Array memory.
pub(crate) struct Scratch(v8::SharedRef<v8::BackingStore>);
// SAFETY: written only on the runtime's thread with its isolate locked,
// read by JS on that same thread afterwards.
unsafe impl Send for Scratch {}

impl Scratch {
    pub(crate) fn new(store: v8::SharedRef<v8::BackingStore>) -> Option<Scratch> {
        (store.byte_length() >= SCRATCH_LEN * std::mem::size_of::<f64>() && store.data().is_some())
            .then_some(Scratch(store))
    }

    fn write(&self, values: [f64; SCRATCH_LEN]) {
        if let Some(data) = self.0.data() {
            // SAFETY: SCRATCH_LEN f64s long (checked in new), aligned by V8's
            // allocator, and no JS runs while we write.
            unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), data.as_ptr() as *mut f64, SCRATCH_LEN) };
        }
    }
}

impl AsyncState {
    pub(crate) fn new() -> Self {
        AsyncState {
            next_id: AtomicU64::new(ROOT_ID + 1),
            tracking: AtomicBool::new(false),
            context_used: AtomicBool::new(false),
            long_stacks: AtomicBool::new(false),
            promise_hooks_on: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            scratch: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether creating a resource needs more than an id.
    pub(crate) fn wants_init(&self) -> bool {
        self.tracking.load(Ordering::Relaxed) || self.context_used.load(Ordering::Relaxed)
    }

    /// Whether a JS promise created now would be tracked (a set takes
    /// PROMISE): how the prelude decides whether to record it.
    fn tracks_promises(st: &State) -> bool {
        st.sets
            .iter()
            .any(|s| s.enabled.load(Ordering::Relaxed) && s.types & AsyncType::Promise as u32 != 0)
    }

    fn update_tracking(&self, st: &State) {
        let on = self.long_stacks.load(Ordering::Relaxed)
            || !st.records.is_empty()
            || st.sets.iter().any(|s| s.enabled.load(Ordering::Relaxed));
        self.tracking.store(on, Ordering::Relaxed);
    }

    /// Take out everything that holds V8 handles, for the runtime to drop
    /// under its isolate lock before the isolate goes.
    pub(crate) fn take_handles(&self) -> HeldHandles {
        let mut st = self.lock();
        HeldHandles {
            _records: std::mem::take(&mut st.records),
            _stack: std::mem::take(&mut st.stack),
        }
    }

    /// (executionAsyncId, triggerAsyncId) of the callback running now;
    /// (1, 0) outside any. The trigger is 0 for a resource created while
    /// nothing tracked it.
    pub(crate) fn current_ids(&self) -> (u64, u64) {
        self.lock().stack.last().map_or((ROOT_ID, 0), |f| (f.id, f.trigger))
    }

    /// Add a hook set, disabled. `types`: a mask of [`AsyncType`] bits (0: all).
    pub(crate) fn add_set(&self, types: u32, wants_destroy: bool, receiver: Receiver) -> u32 {
        let mut st = self.lock();
        let id = st.sets.len() as u32 + 1;
        st.sets.push(Arc::new(HookSet {
            id,
            types: if types == 0 { AsyncType::ALL } else { types },
            wants_destroy,
            enabled: AtomicBool::new(false),
            receiver,
        }));
        id
    }

    /// Enable or disable set `id`; returns its types mask, or None if there
    /// is no such set.
    pub(crate) fn set_enabled(&self, id: u32, enabled: bool) -> Option<u32> {
        let st = self.lock();
        let set = st.sets.iter().find(|s| s.id == id)?;
        set.enabled.store(enabled, Ordering::Relaxed);
        let types = set.types;
        self.update_tracking(&st);
        Some(types)
    }

    pub(crate) fn set_scratch(&self, scratch: Scratch) {
        *self.scratch.lock().unwrap_or_else(|e| e.into_inner()) = Some(scratch);
    }

    pub(crate) fn use_context(&self) {
        self.context_used.store(true, Ordering::Relaxed);
    }

    /// Whether an AsyncLocalStorage exists (a snapshot keeps this).
    pub(crate) fn context_used(&self) -> bool {
        self.context_used.load(Ordering::Relaxed)
    }

    /// What a snapshot cannot keep of this state (hook sets and async
    /// records live on the native side), if any.
    pub(crate) fn snapshot_blocker(&self) -> Option<&'static str> {
        let st = self.lock();
        if !st.sets.is_empty() {
            Some("it has async hook sets (asyncHooks.createHook)")
        } else if !st.records.is_empty() {
            Some("it has live async resources (promise records)")
        } else if self.long_stacks.load(Ordering::Relaxed) {
            Some("long stack traces are on")
        } else {
            None
        }
    }

    pub(crate) fn set_long_stacks(&self, on: bool) {
        self.long_stacks.store(on, Ordering::Relaxed);
        let st = self.lock();
        self.update_tracking(&st);
    }

    /// The async chain of the callback running now, as stack-trace lines
    /// (empty without long stack traces).
    pub(crate) fn chain_text(&self) -> String {
        let st = self.lock();
        let Some(frame) = st.stack.last() else {
            return String::new();
        };
        let mut link = st.records.get(&frame.id).and_then(|r| r.chain.clone());
        let mut out = String::new();
        while let Some(l) = link {
            let _ = write!(out, "\n    at async {} (asyncId {})", l.ty.name(), l.id);
            for line in l.stack.lines() {
                let _ = write!(out, "\n    {line}");
            }
            link = l.parent.clone();
        }
        out
    }
}

/// Enable or disable hook set `id` (from any of C, Go or JS). The first
/// enabled set that wants PROMISE resources installs V8's promise hooks;
/// they stay installed. Until then promises cost nothing.
pub(crate) fn enable_hook_set(scope: &mut v8::PinScope, core: &Core, id: u32, enabled: bool) -> Result<(), Error> {
    let types = core
        .hooks
        .set_enabled(id, enabled)
        .ok_or_else(|| Error::bad_input(format!("no async hook set {id}")))?;
    if enabled && types & AsyncType::Promise as u32 != 0 && !core.hooks.promise_hooks_on.swap(true, Ordering::SeqCst) {
        let hooks = {
            let dispatch = core.dispatch();
            let Some(d) = dispatch.as_ref() else { return Ok(()) };
            d.promise_hooks.clone().map(|f| v8::Local::new(scope, f))
        };
        // Context-level JS hooks: far cheaper in V8 than the isolate-wide
        // native hook (85 vs ~350 ns per await with empty hooks, measured).
        let [init, before, after, resolve] = hooks;
        scope.set_promise_hooks(Some(init), Some(before), Some(after), Some(resolve));
    }
    Ok(())
}

/// The async identity of a resource about to be created, from any thread.
/// On a thread running this runtime (inside a callback) its init fires
/// now, triggered by that callback; elsewhere it fires on the loop before
/// the resource's first callback. Before the resource exists, so a
/// failure here leaves nothing half made.
pub(crate) fn new_async_id(gw: &Gateway, core: &Core, ty: AsyncType) -> Result<AsyncId, Error> {
    let entered = gw.entered_on_this_thread();
    let id = AsyncId::new(core, entered);
    if entered && core.hooks.wants_init() {
        gw.enter(Call::Step, |scope| init(scope, core, id.id, ty, None, None))?;
    }
    Ok(id)
}

/// A new resource of type `ty`, created now on the runtime's thread.
/// `resource` is what JS hooks receive as their fourth argument.
pub(crate) fn create(
    scope: &mut v8::PinScope,
    core: &Core,
    ty: AsyncType,
    resource: Option<v8::Local<v8::Value>>,
) -> u64 {
    let id = core.hooks.next_id();
    if core.hooks.wants_init() {
        init(scope, core, id, ty, None, resource);
    }
    id
}

/// Fire init for resource `id` (its id taken earlier when it was created
/// off the runtime's thread: then `trigger` says what triggered it).
/// Returns whether the resource is recorded.
pub(crate) fn init(
    scope: &mut v8::PinScope,
    core: &Core,
    id: u64,
    ty: AsyncType,
    trigger: Option<u64>,
    resource: Option<v8::Local<v8::Value>>,
) -> bool {
    let hooks = &core.hooks;
    let context = if hooks.context_used.load(Ordering::Relaxed) {
        let c = scope.get_continuation_preserved_embedder_data();
        (!c.is_undefined()).then(|| v8::Global::new(scope, c))
    } else {
        None
    };
    let long = hooks.long_stacks.load(Ordering::Relaxed);
    let stack = long.then(|| current_stack(scope));
    let mut st = hooks.lock();
    let trigger = trigger.unwrap_or_else(|| st.stack.last().map_or(ROOT_ID, |f| f.id));
    let sets = subscribed(&st, ty);
    let chain = stack.map(|stack| {
        let parent = st.records.get(&trigger).and_then(|r| r.chain.clone());
        Arc::new(Link {
            ty,
            id,
            stack,
            depth: parent.as_ref().map_or(1, |p| p.depth + 1),
            parent: parent.map(|p| truncate(p, MAX_CHAIN - 1)),
        })
    });
    let silent = st.in_hook > 0;
    let recorded = context.is_some() || chain.is_some() || silent;
    if recorded {
        st.records.insert(
            id,
            Record {
                trigger,
                context,
                chain,
                silent,
            },
        );
        hooks.update_tracking(&st);
    }
    drop(st);
    emit(scope, core, &sets, HookEvent::Init { id, ty, trigger }, resource);
    recorded || !sets.is_empty()
}

/// Keep the `keep` nearest links of a chain (copying them when it is longer).
fn truncate(link: Arc<Link>, keep: usize) -> Arc<Link> {
    if link.depth <= keep {
        return link;
    }
    fn copy(l: &Link, left: usize) -> Arc<Link> {
        Arc::new(Link {
            ty: l.ty,
            id: l.id,
            stack: l.stack.clone(),
            depth: left,
            parent: match (&l.parent, left > 1) {
                (Some(p), true) => Some(copy(p, left - 1)),
                _ => None,
            },
        })
    }
    copy(&link, keep)
}

/// The JS stack where a resource is being created (a few frames).
fn current_stack(scope: &mut v8::PinScope) -> String {
    let mut out = String::new();
    let Some(trace) = v8::StackTrace::current_stack_trace(scope, 8) else {
        return out;
    };
    for i in 0..trace.get_frame_count() {
        let Some(frame) = trace.get_frame(scope, i) else {
            continue;
        };
        let function = frame
            .get_function_name(scope)
            .map(|s| s.to_rust_string_lossy(scope))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "<anonymous>".into());
        let script = frame
            .get_script_name(scope)
            .map(|s| s.to_rust_string_lossy(scope))
            .unwrap_or_default();
        if script == "v8runner:prelude" {
            continue;
        }
        let _ = writeln!(
            out,
            "at {function} ({script}:{}:{})",
            frame.get_line_number(),
            frame.get_column()
        );
    }
    out
}

/// The callback of resource `id` (of type `ty`, created by `trigger`)
/// starts: fire `before`, make it the current execution id and, with
/// `restore_context`, its async context current. Pair with [`exit`].
pub(crate) fn enter(
    scope: &mut v8::PinScope,
    core: &Core,
    id: u64,
    trigger: u64,
    ty: AsyncType,
    restore_context: bool,
) {
    let st = core.hooks.lock();
    let (trigger, context, silent) = match st.records.get(&id) {
        Some(r) => (r.trigger, r.context.clone(), r.silent),
        None => (trigger, None, false),
    };
    drop(st);
    let ty = Some(ty).filter(|_| !silent);
    push_frame(scope, core, id, trigger, ty, context.filter(|_| restore_context));
}

/// The enabled sets that want resources of type `ty` (none inside a hook).
fn subscribed(st: &State, ty: AsyncType) -> Sets {
    if st.in_hook > 0 {
        return Sets::new();
    }
    st.sets
        .iter()
        .filter(|s| s.enabled.load(Ordering::Relaxed) && s.types & ty as u32 != 0)
        .cloned()
        .collect()
}

/// Make `id` the running callback (with `context` current, if any) and
/// tell the sets enabled now that it starts.
fn push_frame(
    scope: &mut v8::PinScope,
    core: &Core,
    id: u64,
    trigger: u64,
    ty: Option<AsyncType>,
    context: Option<v8::Global<v8::Value>>,
) {
    let saved_context = match context {
        Some(c) => {
            let saved = scope.get_continuation_preserved_embedder_data();
            let saved = v8::Global::new(scope, saved);
            let c = v8::Local::new(scope, c);
            scope.set_continuation_preserved_embedder_data(c);
            Some(saved)
        }
        _ => None,
    };
    let mut st = core.hooks.lock();
    let sets = ty.map_or_else(Sets::new, |ty| subscribed(&st, ty));
    st.stack.push(Frame {
        id,
        trigger,
        ty,
        saved_context,
        destroyed: false,
    });
    drop(st);
    emit(scope, core, &sets, HookEvent::Before(id), None);
}

/// Run the microtask queue as Node does between callbacks: outside every
/// resource, so promise reactions no hook tracks run with execution id 0
/// (tracked ones push their own frames).
pub(crate) fn run_microtasks(scope: &mut v8::PinScope, core: &Core) {
    let depth = {
        let mut st = core.hooks.lock();
        st.stack.push(Frame {
            id: 0,
            trigger: 0,
            ty: None,
            saved_context: None,
            destroyed: false,
        });
        st.stack.len() - 1
    };
    scope.perform_microtask_checkpoint();
    // Also drops frames a throwing reaction left behind (no allocation:
    // this runs after every call).
    core.hooks.lock().stack.truncate(depth);
}

/// The callback of resource `id` ended: fire `after` (and a destroy that
/// came meanwhile), restore the execution id and async context.
pub(crate) fn exit(scope: &mut v8::PinScope, core: &Core, id: u64) {
    let (sets, ty) = {
        let st = core.hooks.lock();
        match st.stack.iter().rposition(|f| f.id == id) {
            Some(i) => {
                let ty = st.stack[i].ty;
                (ty.map_or_else(Sets::new, |ty| subscribed(&st, ty)), ty)
            }
            None => return,
        }
    };
    emit(scope, core, &sets, HookEvent::After(id), None);
    let frame = {
        let mut st = core.hooks.lock();
        let Some(i) = st.stack.iter().rposition(|f| f.id == id) else {
            return;
        };
        let frame = st.stack.remove(i);
        st.stack.truncate(i); // frames a throwing callback left behind
        frame
    };
    if let Some(saved) = frame.saved_context {
        let saved = v8::Local::new(scope, saved);
        scope.set_continuation_preserved_embedder_data(saved);
    }
    if frame.destroyed {
        // A silent resource has no type here; destroy() only forgets it.
        destroy(scope, core, id, ty.unwrap_or(AsyncType::Timeout));
    }
}

/// Run `f` as the callback of resource `id` (of type `ty`, created by
/// `trigger`; see [`enter`]). An error it returns carries the async chain
/// (with long stack traces on).
pub(crate) fn run_as<R>(
    scope: &mut v8::PinScope,
    core: &Core,
    id: u64,
    trigger: u64,
    ty: AsyncType,
    f: impl FnOnce(&mut v8::PinScope) -> Result<R, Error>,
) -> Result<R, Error> {
    enter(scope, core, id, trigger, ty, true);
    let mut result = f(scope);
    if let Err(e) = &mut result {
        if core.hooks.long_stacks.load(Ordering::Relaxed) {
            let chain = core.hooks.chain_text();
            if !chain.is_empty() {
                let stack = e.stack.take().unwrap_or_else(|| e.message.clone());
                e.stack = Some(stack + &chain);
            }
        }
    }
    exit(scope, core, id);
    result
}

/// Resource `id` (of type `ty`) is gone: fire `destroy` to the sets
/// enabled now (after its callback, if it is running now) and forget its
/// record.
pub(crate) fn destroy(scope: &mut v8::PinScope, core: &Core, id: u64, ty: AsyncType) {
    let hooks = &core.hooks;
    if !hooks.tracking.load(Ordering::Relaxed) {
        return;
    }
    let mut st = hooks.lock();
    if let Some(frame) = st.stack.iter_mut().rev().find(|f| f.id == id) {
        frame.destroyed = true;
        return;
    }
    let silent = match st.records.remove(&id) {
        Some(record) => {
            hooks.update_tracking(&st);
            record.silent
        }
        None => false,
    };
    let sets = if silent { Sets::new() } else { subscribed(&st, ty) };
    drop(st);
    emit(scope, core, &sets, HookEvent::Destroy(id), None);
}

/// Tell each set about `event`; hooks that fail are reported, not fatal.
fn emit(
    scope: &mut v8::PinScope,
    core: &Core,
    sets: &[Arc<HookSet>],
    event: HookEvent,
    resource: Option<v8::Local<v8::Value>>,
) {
    if sets.is_empty() {
        return;
    }
    core.hooks.lock().in_hook += 1;
    for set in sets {
        let outcome = match &set.receiver {
            Receiver::Native(f) => catch_unwind(AssertUnwindSafe(|| f(event)))
                .map_err(|p| Error::new(Status::Internal, format!("async hook panicked: {}", panic_message(&*p)))),
            Receiver::Js => call_js_hook(scope, core, set.id, event, resource),
        };
        if let Err(e) = outcome {
            if matches!(e.kind, Status::Terminated) {
                break;
            }
            core.report(e);
        }
    }
    core.hooks.lock().in_hook -= 1;
}

/// Event numbers for the prelude's hook dispatcher.
fn event_args(event: HookEvent) -> (u32, u64, Option<(AsyncType, u64)>) {
    match event {
        HookEvent::Init { id, ty, trigger } => (0, id, Some((ty, trigger))),
        HookEvent::Before(id) => (1, id, None),
        HookEvent::After(id) => (2, id, None),
        HookEvent::Destroy(id) => (3, id, None),
        HookEvent::PromiseResolve(id) => (4, id, None),
    }
}

fn call_js_hook(
    scope: &mut v8::PinScope,
    core: &Core,
    set: u32,
    event: HookEvent,
    resource: Option<v8::Local<v8::Value>>,
) -> Result<(), Error> {
    let dispatch = core.dispatch().as_ref().map(|d| v8::Local::new(scope, &d.hook));
    let Some(dispatch) = dispatch else {
        return Ok(());
    };
    let (kind, id, init) = event_args(event);
    let undefined: v8::Local<v8::Value> = v8::undefined(scope).into();
    let mut args: [v8::Local<v8::Value>; 6] = [undefined; 6];
    args[0] = v8::Integer::new_from_unsigned(scope, set).into();
    args[1] = v8::Integer::new_from_unsigned(scope, kind).into();
    args[2] = v8::Number::new(scope, id as f64).into();
    if let Some((ty, trigger)) = init {
        // As Node names it: setInterval makes a "Timeout" too.
        let name = if ty == AsyncType::Interval {
            "Timeout"
        } else {
            ty.name()
        };
        args[3] = v8::String::new(scope, name).map_or(undefined, Into::into);
        args[4] = v8::Number::new(scope, trigger as f64).into();
        args[5] = resource.unwrap_or(undefined);
    }
    v8::tc_scope!(let tc, scope);
    let recv = v8::undefined(tc).into();
    if dispatch.call(tc, recv, &args).is_some() {
        return Ok(());
    }
    if tc.has_terminated() {
        return Err(Error::new(Status::Terminated, "terminated in an async hook"));
    }
    let exception = tc.exception();
    let mut err = Error::new(
        Status::Exception,
        format!(
            "async hook threw: {}",
            exception.map_or_else(|| "(unknown)".into(), |e| e.to_rust_string_lossy(tc))
        ),
    );
    err.stack = exception.and_then(|e| crate::natives::error_stack(tc, e));
    Err(err)
}

/// The async identity of a resource that may be created off the runtime's
/// thread (work, notifiers): its init then waits for the loop thread.
pub(crate) struct AsyncId {
    pub(crate) id: u64,
    /// The execution id that created it (the root when that was another
    /// thread).
    pub(crate) trigger: u64,
    init_pending: AtomicBool,
}

impl AsyncId {
    /// A new id; `entered`: created on the runtime's thread, inside a
    /// callback or call (else its init waits for the loop).
    pub(crate) fn new(core: &Core, entered: bool) -> Self {
        AsyncId {
            id: core.hooks.next_id(),
            trigger: if entered { core.hooks.current_ids().0 } else { ROOT_ID },
            init_pending: AtomicBool::new(!entered),
        }
    }

    /// On the runtime's thread, before the resource's first callback: fire
    /// the init deferred at creation (triggered by the root: the creating
    /// thread ran no JS of this runtime).
    pub(crate) fn init_if_pending(&self, scope: &mut v8::PinScope, core: &Core, ty: AsyncType) {
        if self.init_pending.swap(false, Ordering::Relaxed) && core.hooks.wants_init() {
            init(scope, core, self.id, ty, Some(ROOT_ID), None);
        }
    }
}

/// A JS promise was created (V8's promise hook, through the prelude).
/// When a set takes promises now, writes its record `[id, trigger]` and
/// whether to watch for its collection to the scratch buffer and returns
/// true: the prelude keeps the record beside the promise (in a WeakMap, so
/// the GC frees it with the promise, and a FinalizationRegistry then
/// reports the promise's destroy). `parent`: the parent promise's id, 0
/// for none. A promise created while no set took promises is never
/// tracked (as in Node).
pub(crate) fn promise_init(scope: &mut v8::PinScope, core: &Core, parent: u64, promise: v8::Local<v8::Value>) -> bool {
    let (sets, current, tracked) = {
        let st = core.hooks.lock();
        (
            subscribed(&st, AsyncType::Promise),
            st.stack.last().map_or(ROOT_ID, |f| f.id),
            AsyncState::tracks_promises(&st),
        )
    };
    if !tracked {
        return false;
    }
    let trigger = if parent != 0 { parent } else { current };
    let id = core.hooks.next_id();
    match &*core.hooks.scratch.lock().unwrap_or_else(|e| e.into_inner()) {
        Some(scratch) => {
            let destroy = {
                let st = core.hooks.lock();
                st.sets
                    .iter()
                    .any(|s| s.wants_destroy && s.enabled.load(Ordering::Relaxed))
            };
            scratch.write([id as f64, trigger as f64, 0.0, destroy as u8 as f64])
        }
        None => return false,
    }
    let init = HookEvent::Init {
        id,
        ty: AsyncType::Promise,
        trigger,
    };
    emit(scope, core, &sets, init, Some(promise));
    true
}

/// A reaction of tracked promise `id` starts (its `after` is [`exit`]).
pub(crate) fn promise_before(scope: &mut v8::PinScope, core: &Core, id: u64, trigger: u64) {
    push_frame(scope, core, id, trigger, Some(AsyncType::Promise), None);
}

/// Tell the sets taking promises now that tracked promise `id` resolved,
/// or (from the loop, after the GC took it) that it is gone.
pub(crate) fn promise_event(scope: &mut v8::PinScope, core: &Core, event: HookEvent) {
    let sets = subscribed(&core.hooks.lock(), AsyncType::Promise);
    emit(scope, core, &sets, event, None);
}
