//! A runtime: one isolate + one context + one event loop, whose state
//! persists across calls.
//!
//! Threads. The isolate is a `SharedIsolate`, entered with a `v8::Locker`
//! on the calling thread for each call: no thread hand-off (measured at
//! 14-90 us per call on this machine, against about 0.5 us for the lock).
//! * owner-thread mode (the default, libuv's model): only the creating
//!   thread may call; any other thread gets `Status::WrongThread`;
//! * any-thread mode: any thread may call, one call at a time (the others
//!   wait for the lock). The Go package uses this, since goroutines move
//!   between OS threads.
//!
//! Re-entrancy: a host callback running inside a call (a timer, a work
//! after-callback, a notifier delivery) may call back into the same runtime
//! on the same thread; the nested call reuses the lock already held.
//!
//! `terminate`, `terminate_call` and `close` may be called from any thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use smallvec::SmallVec;

use crate::async_hooks::{self, AsyncId, AsyncState, AsyncType, NativeHook, Receiver};
use crate::error::{Error, Status};
use crate::event_loop::{Event, Inbox, RunMode, Timers};
use crate::host::{self, HostEntry, HostFunction};
use crate::isolate::{self, HeapLimits, Vm, Want};
use crate::natives::{self, Dispatch};
use crate::notifier::{Notifier, Target};
use crate::values::{Args, Value};
use crate::work::{self, AfterFn, WorkFn, WorkRequest};

/// Console levels, as the prelude numbers them.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleLevel {
    Log = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

impl ConsoleLevel {
    pub fn from_u32(n: u32) -> Option<ConsoleLevel> {
        use ConsoleLevel::*;
        [Log, Debug, Info, Warn, Error].get(n as usize).copied()
    }
}

/// Where `console.*` output goes (default: stderr).
pub type ConsoleSink = Arc<dyn Fn(ConsoleLevel, &str) + Send + Sync>;
/// Where uncaught errors of callbacks and unhandled rejections go (default:
/// the console sink at error level).
pub type ErrorSink = Arc<dyn Fn(&Error) + Send + Sync>;

/// How a runtime is created.
#[derive(Clone, Default)]
pub struct RuntimeOptions {
    pub heap: HeapLimits,
    /// Shown in error messages and used as the default resource name.
    pub name: String,
    /// Allow calls from any thread (serialised), not only the creator.
    pub any_thread: bool,
    pub console: Option<ConsoleSink>,
    pub on_error: Option<ErrorSink>,
}

/// A small per-thread number, never reused, to tell threads apart.
fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

thread_local! {
    /// Runtimes entered on this thread, innermost last: (core, isolate).
    static ACTIVE: RefCell<Vec<(*const Core, *mut v8::Isolate)>> = const { RefCell::new(Vec::new()) };
}

/// The innermost runtime entered on this thread (for isolate-wide hooks).
pub(crate) fn active_core<'a>() -> Option<&'a Core> {
    // SAFETY: entries live only while their runtime is entered on this
    // thread, and the Core outlives that.
    ACTIVE.with(|a| a.borrow().last().map(|&(core, _)| unsafe { &*core }))
}

fn active_isolate_for(core: *const Core) -> Option<*mut v8::Isolate> {
    ACTIVE.with(|a| a.borrow().iter().rev().find(|(c, _)| *c == core).map(|&(_, iso)| iso))
}

struct ActiveGuard;

impl ActiveGuard {
    fn push(core: *const Core, isolate: *mut v8::Isolate) -> ActiveGuard {
        ACTIVE.with(|a| a.borrow_mut().push((core, isolate)));
        ActiveGuard
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        // try_with: may run from a thread-local destructor at thread exit.
        let _ = ACTIVE.try_with(|a| a.borrow_mut().pop());
    }
}

/// A runtime pinned to this thread: its lock is held between calls.
/// Field order is drop order: the lock, then the active entry, then the
/// runtime whose isolate the lock borrows.
/// Release this thread's innermost pin, whatever runtime it holds (for a
/// handle freed while pinned). False if nothing is pinned here.
pub(crate) fn unpin_innermost() -> bool {
    let entry = PINNED.with(|p| p.borrow_mut().pop());
    entry.is_some()
}

struct Pinned {
    /// Boxed: the `&mut Isolate` the lock hands out points into the lock
    /// itself, so it must not move while pinned.
    locked: Option<Box<isolate::Locked<'static>>>,
    active: Option<ActiveGuard>,
    runtime: Arc<Runtime>,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        drop(self.locked.take());
        drop(self.active.take());
    }
}

thread_local! {
    /// Runtimes pinned to this thread, innermost last.
    static PINNED: RefCell<Vec<Pinned>> = const { RefCell::new(Vec::new()) };
}

/// A notifier and its target (None while the target is delivering).
type NotifierEntry = (Arc<Notifier>, Option<Target>);

/// What the loop and the native functions share. Lives in an `Arc` so its
/// address is stable for V8 callbacks and other threads can post to it.
pub(crate) struct Core {
    pub(crate) inbox: Inbox,
    /// Timers; only touched with the isolate lock held, never across a callback.
    timers: Mutex<Timers>,
    rejections: Mutex<Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>>,
    dispatch: Mutex<Option<Dispatch>>,
    /// Work requests, notifiers and host promises that keep the loop alive.
    pub(crate) pending: AtomicUsize,
    console: ConsoleSink,
    on_error: Option<ErrorSink>,
    /// The first error reported since `run` started, returned by it.
    first_error: Mutex<Option<Error>>,
    /// Set by terminate while the loop runs: stop waiting and return.
    stop_loop: AtomicBool,
    /// Open, referenced notifiers (they keep the loop alive).
    pub(crate) refed_notifiers: AtomicUsize,
    /// Payloads queued on this runtime's notifiers, not yet delivered.
    pub(crate) queued_payloads: Arc<AtomicUsize>,
    /// Live notifiers and their targets; a target is taken out while it
    /// delivers, so a callback may create or close notifiers.
    notifiers: Mutex<HashMap<u64, NotifierEntry>>,
    /// Work requests whose after-callback has not run yet.
    work: Mutex<HashMap<u64, Arc<WorkRequest>>>,
    /// Registered host functions. Boxed on purpose: V8 holds pointers to
    /// the entries, which must not move when the vector grows.
    #[allow(clippy::vec_box)]
    hosts: Mutex<Vec<Box<HostEntry>>>,
    /// Embedder data released (finalized) when the runtime is dropped.
    keep: Mutex<Vec<Box<dyn Send>>>,
    /// Unsettled host promises, and settlements waiting for the loop.
    promises: Mutex<HashMap<u64, (v8::Global<v8::PromiseResolver>, u64)>>,
    settlements: Mutex<HashMap<u64, Result<Value, String>>>,
    /// Async ids, hook sets and async context.
    pub(crate) hooks: AsyncState,
    /// V8's promise hooks are installed (once a set asks for PROMISE).
    promise_hooks_on: AtomicBool,
    /// When the loop last ran V8's foreground tasks.
    pumped: Mutex<Instant>,
}

impl Core {
    /// A pending host promise, and its async id.
    pub(crate) fn add_promise(&self, id: u64, resolver: v8::Global<v8::PromiseResolver>, async_id: u64) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        self.promises
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (resolver, async_id));
    }

    /// The prelude's dispatcher for JS hook sets.
    pub(crate) fn hook_dispatcher<'s>(&self, scope: &mut v8::PinScope<'s, '_>) -> Option<v8::Local<'s, v8::Function>> {
        let dispatch = self.dispatch.lock().unwrap_or_else(|e| e.into_inner());
        dispatch.as_ref().map(|d| v8::Local::new(scope, &d.hook))
    }

    /// Enable or disable hook set `id`. The first enabled set that wants
    /// PROMISE resources installs V8's promise hooks; they stay installed,
    /// so promises tracked by a set later disabled still report (the
    /// AsyncWrap rule). Until then promises cost nothing.
    pub(crate) fn enable_hook_set(&self, scope: &mut v8::PinScope, id: u32, enabled: bool) -> Result<(), Error> {
        let types = self
            .hooks
            .set_enabled(id, enabled)
            .ok_or_else(|| Error::bad_input(format!("no async hook set {id}")))?;
        if enabled && types & AsyncType::Promise as u32 != 0 && !self.promise_hooks_on.swap(true, Ordering::SeqCst) {
            let hooks = {
                let dispatch = self.dispatch.lock().unwrap_or_else(|e| e.into_inner());
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

    pub(crate) fn settlements(&self) -> MutexGuard<'_, HashMap<u64, Result<Value, String>>> {
        self.settlements.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn register_work(&self, req: Arc<WorkRequest>) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        self.work.lock().unwrap_or_else(|e| e.into_inner()).insert(req.id, req);
    }

    pub(crate) fn timers(&self) -> MutexGuard<'_, Timers> {
        self.timers.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn rejections(&self) -> MutexGuard<'_, Vec<(v8::Global<v8::Promise>, v8::Global<v8::Value>)>> {
        self.rejections.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn print(&self, level: ConsoleLevel, text: &str) {
        (self.console)(level, text);
    }

    /// An uncaught error of a callback or an unhandled rejection: to the
    /// error sink (or the console), and remembered for `run`'s status.
    pub(crate) fn report(&self, err: Error) {
        match &self.on_error {
            Some(sink) => sink(&err),
            None => {
                let text = match &err.stack {
                    Some(stack) if !err.message.contains(stack.as_str()) => format!("{}\n{}", err, stack),
                    _ => err.to_string(),
                };
                self.print(ConsoleLevel::Error, &text);
            }
        }
        let mut first = self.first_error.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(err);
        }
    }
}

fn default_console() -> ConsoleSink {
    Arc::new(|_level, text| {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    })
}

#[derive(Default)]
struct CallState {
    /// Id of the running call (`Some(0)` for a call without an id).
    running: Option<u64>,
    /// Id of a call to stop as soon as it starts (set by `terminate_call`).
    stop: Option<u64>,
}

pub struct Runtime {
    context: Option<v8::Global<v8::Context>>,
    core: Arc<Core>,
    /// `Some(thread)` in owner-thread mode.
    owner: Option<u64>,
    closed: AtomicBool,
    loop_running: AtomicBool,
    /// Which call runs now and which one a caller asked to stop, so a
    /// cancellation hits its own call and never a later one.
    calls: Mutex<CallState>,
    /// A termination was requested and may still be pending in V8: the
    /// call that ends clears it (skipped, the common case, when not).
    terminate_pending: AtomicBool,
    name: String,
    handle: v8::IsolateHandle,
    /// Last field: the isolate is disposed after everything that refers to it.
    vm: Vm,
}

/// The result of [`Runtime::run`].
#[derive(Debug)]
pub struct RunOutcome {
    /// Whether referenced work remains.
    pub alive: bool,
    /// The first uncaught error or unhandled rejection during the run (the
    /// loop went on after it), or why the run stopped (terminated...).
    pub error: Option<Error>,
}

impl Runtime {
    /// Create a runtime on the calling thread.
    pub fn new(options: RuntimeOptions) -> Result<Runtime, Error> {
        let vm = Vm::new(options.heap)?;
        let core = Arc::new(Core {
            inbox: Inbox::new(),
            timers: Mutex::new(Timers::default()),
            rejections: Mutex::new(Vec::new()),
            dispatch: Mutex::new(None),
            pending: AtomicUsize::new(0),
            console: options.console.unwrap_or_else(default_console),
            on_error: options.on_error,
            first_error: Mutex::new(None),
            stop_loop: AtomicBool::new(false),
            refed_notifiers: AtomicUsize::new(0),
            queued_payloads: Arc::new(AtomicUsize::new(0)),
            notifiers: Mutex::new(HashMap::new()),
            work: Mutex::new(HashMap::new()),
            hosts: Mutex::new(Vec::new()),
            keep: Mutex::new(Vec::new()),
            promises: Mutex::new(HashMap::new()),
            settlements: Mutex::new(HashMap::new()),
            hooks: AsyncState::new(),
            promise_hooks_on: AtomicBool::new(false),
            pumped: Mutex::new(Instant::now()),
        });
        let context = {
            let mut locked = vm.lock()?;
            natives::set_isolate_hooks(&mut locked);
            let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
            let mut scope = scope.init();
            let context = v8::Context::new(&scope, Default::default());
            let scope = &mut v8::ContextScope::new(&mut scope, context);
            let dispatch = natives::install(scope, Arc::as_ptr(&core))?;
            *core.dispatch.lock().unwrap_or_else(|e| e.into_inner()) = Some(dispatch);
            v8::Global::new(scope, context)
        };
        let name = if options.name.is_empty() {
            "v8runner".to_string()
        } else {
            options.name
        };
        Ok(Runtime {
            context: Some(context),
            core,
            owner: if options.any_thread { None } else { Some(thread_token()) },
            closed: AtomicBool::new(false),
            loop_running: AtomicBool::new(false),
            calls: Mutex::new(CallState::default()),
            terminate_pending: AtomicBool::new(false),
            name,
            handle: vm.handle(),
            vm,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Wake-ups signalled to the loop so far (many posts coalesce into one).
    pub fn wakeups(&self) -> u64 {
        self.core.inbox.wakeups()
    }

    #[allow(dead_code)] // notifiers and work requests (next step)
    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Whether the calling thread may use this runtime.
    pub fn check_thread(&self) -> Result<(), Error> {
        match self.owner {
            Some(owner) if owner != thread_token() => Err(Error::new(
                Status::WrongThread,
                format!("runtime '{}' belongs to the thread that created it", self.name),
            )),
            _ => Ok(()),
        }
    }

    fn closed_error(&self) -> Error {
        if self.vm.heap_limit_hit() {
            Error::new(
                Status::Closed,
                format!("runtime '{}' was closed after reaching its heap limit", self.name),
            )
        } else {
            Error::new(Status::Closed, format!("runtime '{}' is closed", self.name))
        }
    }

    /// Whether this thread is inside a call of this runtime right now.
    pub fn entered_on_this_thread(&self) -> bool {
        active_isolate_for(Arc::as_ptr(&self.core)).is_some()
    }

    /// Run `f` with the isolate entered and the context's scope, on this
    /// thread. Nested calls reuse the lock already held. `call_id`: `Some`
    /// for a call that [`Runtime::terminate_call`] may target; `None` for a
    /// step of a call already begun (the loop's turns).
    fn enter<R>(&self, call_id: Option<u64>, f: impl FnOnce(&mut v8::PinScope<'_, '_>) -> R) -> Result<R, Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.closed_error());
        }
        let context = self.context.as_ref().ok_or_else(|| self.closed_error())?;
        let core_ptr = Arc::as_ptr(&self.core);
        if let Some(isolate) = active_isolate_for(core_ptr) {
            // SAFETY: this thread holds the lock and entered this isolate in
            // an outer frame (suspended in a callback) or by pinning.
            let isolate = unsafe { &mut *isolate };
            // Between calls of a pinned thread no call runs: this one is a
            // call of its own, which terminate_call may target.
            let own = match call_id {
                Some(id) => self.begin_own_call(id)?,
                None => false,
            };
            let result = {
                let scope = std::pin::pin!(v8::HandleScope::new(&mut *isolate));
                let mut scope = scope.init();
                let context = v8::Local::new(&scope, context);
                let scope = &mut v8::ContextScope::new(&mut scope, context);
                f(scope)
            };
            if own {
                self.finish_call(isolate);
            }
            return Ok(result);
        }
        let mut locked = self.vm.lock()?;
        let isolate: *mut v8::Isolate = &mut *locked;
        let _active = ActiveGuard::push(core_ptr, isolate);
        if let Some(id) = call_id {
            if !self.begin_call(id) {
                return Err(Error::new(Status::Terminated, "execution terminated before it started"));
            }
        }
        let result = {
            let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
            let mut scope = scope.init();
            let context = v8::Local::new(&scope, context);
            let scope = &mut v8::ContextScope::new(&mut scope, context);
            f(scope)
        };
        if call_id.is_some() {
            self.finish_call(&mut locked);
        }
        Ok(result)
    }

    /// Evaluate a classic script in the runtime's context; globals it
    /// defines stay for later calls. An empty `resource_name` uses the
    /// runtime's name. `call_id` (0 for none) lets [`Runtime::terminate_call`]
    /// stop this call and no other. Unhandled rejections it leaves are
    /// reported to the error sink, not returned.
    pub fn eval(&self, source: &str, resource_name: &str, call_id: u64) -> Result<Value, Error> {
        let name = if resource_name.is_empty() {
            self.name.as_str()
        } else {
            resource_name
        };
        let result = self.enter(Some(call_id), |scope| {
            let result = isolate::run_script(scope, &self.vm, source, name, Want::Typed);
            natives::report_rejections(scope, &self.core);
            result
        })?;
        self.after_call(result)
    }

    /// Call the global function `name` with `args`; returns its result.
    /// `call_id` as for [`Runtime::eval`].
    pub fn call(&self, name: &str, args: Args, call_id: u64) -> Result<Value, Error> {
        let result = self.enter(Some(call_id), |scope| {
            let f = global_function(scope, name)?;
            self.call_local(scope, f, args)
        })?;
        self.after_call(result)
    }

    /// The global function `name`, kept alive until the returned handle is
    /// dropped (from any thread) or the runtime goes away.
    pub fn function(&self, name: &str) -> Result<v8::Global<v8::Function>, Error> {
        self.enter(None, |scope| {
            global_function(scope, name).map(|f| v8::Global::new(scope, f))
        })?
    }

    /// Call a function held by [`Runtime::function`] (no lookup by name).
    pub fn call_function(&self, f: &v8::Global<v8::Function>, args: Args, call_id: u64) -> Result<Value, Error> {
        let result = self.enter(Some(call_id), |scope| {
            let f = v8::Local::new(scope, f);
            self.call_local(scope, f, args)
        })?;
        self.after_call(result)
    }

    fn call_local(&self, scope: &mut v8::PinScope, f: v8::Local<v8::Function>, args: Args) -> Result<Value, Error> {
        let mut argv: SmallVec<[v8::Local<v8::Value>; 8]> = SmallVec::with_capacity(args.len());
        for a in args {
            argv.push(crate::values::into_v8(scope, a).map_err(|m| Error::bad_input(format!("argument: {m}")))?);
        }
        let result = isolate::call_function_value(scope, &self.vm, f, &argv, true);
        natives::report_rejections(scope, &self.core);
        result
    }

    /// A call that hit the heap limit closes the runtime.
    fn after_call<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            if e.kind == Status::HeapLimit {
                self.closed.store(true, Ordering::SeqCst);
                self.core.inbox.wake();
            }
        }
        result
    }

    /// Run the event loop on this thread, as `uv_run` does in `mode`.
    /// Callbacks' exceptions and unhandled rejections are reported to the
    /// error sink as they happen and the loop goes on; the first one is in
    /// the outcome. Not from inside a callback of this runtime.
    pub fn run(&self, mode: RunMode, call_id: u64) -> Result<RunOutcome, Error> {
        self.check_thread()?;
        if self.entered_on_this_thread() {
            return Err(Error::new(
                Status::WrongThread,
                "run() called from inside a callback of the same runtime",
            ));
        }
        if self.loop_running.swap(true, Ordering::SeqCst) {
            return Err(Error::new(
                Status::WrongThread,
                "the loop is already running on another thread",
            ));
        }
        let _running = ResetOnDrop(&self.loop_running);
        *self.core.first_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if !self.begin_call(call_id) {
            return Err(Error::new(Status::Terminated, "execution terminated before it started"));
        }
        self.core.stop_loop.store(false, Ordering::SeqCst);
        let outcome = self.run_turns(mode);
        self.end_call();
        // Clear a termination that arrived while the loop waited.
        if let Ok(locked) = self.vm.lock() {
            self.terminate_pending.store(false, Ordering::SeqCst);
            locked.cancel_terminate_execution();
        }
        let outcome = self.after_call(outcome)?;
        let first = self.core.first_error.lock().unwrap_or_else(|e| e.into_inner()).take();
        Ok(RunOutcome {
            alive: outcome,
            error: first,
        })
    }

    fn run_turns(&self, mode: RunMode) -> Result<bool, Error> {
        let mut waited = false;
        loop {
            let (alive, did_work, wait) = self.enter(None, |scope| self.turn(scope))??;
            if self.core.stop_loop.load(Ordering::SeqCst) {
                return Err(Error::new(Status::Terminated, "event loop terminated"));
            }
            if self.is_closed() {
                return Err(self.closed_error());
            }
            match mode {
                _ if !alive => return Ok(false),
                RunMode::NoWait => return Ok(true),
                RunMode::Once if did_work || waited => return Ok(true),
                _ => {}
            }
            if wait != Some(std::time::Duration::ZERO) {
                // Waits are capped so liveness is re-checked now and then:
                // a wake-up that went missing costs latency, never a hang.
                let cap = std::time::Duration::from_millis(250);
                self.core.inbox.wait(Some(wait.map_or(cap, |w| w.min(cap))));
                waited = true;
            }
        }
    }

    /// One turn of the loop: due timers, posted events, immediates. Returns
    /// (alive, did any work, how long the loop may wait).
    fn turn(&self, scope: &mut v8::PinScope) -> Result<(bool, bool, Option<std::time::Duration>), Error> {
        let mut did_work = false;
        let due = self.core.timers().take_due(Instant::now());
        for (id, repeats) in due {
            did_work = true;
            self.fire(scope, id, repeats)?;
        }
        for event in self.core.inbox.drain() {
            did_work = true;
            self.handle_event(scope, event)?;
        }
        let immediates = self.core.timers().take_immediates();
        for id in immediates {
            did_work = true;
            self.fire(scope, id, false)?;
        }
        // V8's own tasks (FinalizationRegistry callbacks among them): before
        // the loop would wait, and at least every millisecond while busy
        // (pumping costs ~1,700 instructions, too much for every turn).
        // They run JS but do not keep the loop alive.
        let now = Instant::now();
        let due = {
            let mut last = self.core.pumped.lock().unwrap_or_else(|e| e.into_inner());
            let due = !did_work || now.duration_since(*last) >= std::time::Duration::from_millis(1);
            if due {
                *last = now;
            }
            due
        };
        if due && crate::platform::run_pending_tasks(scope) {
            did_work = true;
            scope.perform_microtask_checkpoint();
            natives::report_rejections(scope, &self.core);
        }
        let mut timers = self.core.timers();
        // Events posted meanwhile (say, the last payloads of a notifier
        // that just closed) keep the loop going for one more turn.
        let posted = self.core.inbox.has_pending();
        let alive = posted
            || timers.any_refed()
            || self.core.pending.load(Ordering::SeqCst) > 0
            // Read after refed_notifiers: a payload queued before a close is
            // counted before the close drops that count.
            || self.core.refed_notifiers.load(Ordering::SeqCst) > 0
            || self.core.queued_payloads.load(Ordering::SeqCst) > 0;
        let wait = if timers.has_immediates() || posted {
            Some(std::time::Duration::ZERO)
        } else {
            timers.next_due(Instant::now())
        };
        Ok((alive, did_work, wait))
    }

    /// Call the prelude's dispatcher for timer/immediate `id`.
    /// Run timer or immediate `id`; a one-shot is destroyed after.
    fn fire(&self, scope: &mut v8::PinScope, id: u64, repeats: bool) -> Result<(), Error> {
        let fire = match &*self.core.dispatch.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(d) => v8::Local::new(scope, &d.fire),
            None => return Ok(()),
        };
        let result = async_hooks::run_as(scope, &self.core, id, |scope| {
            let id = v8::Number::new(scope, id as f64).into();
            isolate::call_function(scope, &self.vm, fire, &[id])
        });
        if !repeats {
            async_hooks::destroy(scope, &self.core, id);
        }
        self.callback_done(scope, result)
    }

    /// After a callback: report what it threw (the loop goes on) and its
    /// unhandled rejections; stop the loop only for termination.
    pub(crate) fn callback_done(&self, scope: &mut v8::PinScope, result: Result<(), Error>) -> Result<(), Error> {
        natives::report_rejections(scope, &self.core);
        match result {
            Err(e) if matches!(e.kind, Status::Terminated | Status::HeapLimit) => Err(e),
            Err(e) => {
                self.core.report(e);
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    fn handle_event(&self, scope: &mut v8::PinScope, event: Event) -> Result<(), Error> {
        match event {
            Event::Notify(id) => self.deliver_notifications(scope, id),
            Event::WorkDone(id) => {
                let req = self.core.work.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                let Some(req) = req else { return Ok(()) };
                let after = req.after.lock().unwrap_or_else(|e| e.into_inner()).take();
                self.core.pending.fetch_sub(1, Ordering::SeqCst);
                let Some(after) = after else { return Ok(()) };
                let status = req.status();
                let core = &self.core;
                req.async_id.init_if_pending(scope, core, AsyncType::Work);
                let outcome = async_hooks::run_as(scope, core, req.async_id.id, |scope| {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| after(&req, status)))
                        .map_err(|p| Error::new(Status::Internal, crate::error::panic_message(&*p)));
                    scope.perform_microtask_checkpoint();
                    outcome
                });
                async_hooks::destroy(scope, core, req.async_id.id);
                self.callback_done(scope, outcome)
            }
            Event::Settle(id) => {
                let resolver = self.core.promises.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                let outcome = self.core.settlements().remove(&id);
                let (Some((resolver, async_id)), Some(outcome)) = (resolver, outcome) else {
                    return Ok(());
                };
                self.core.pending.fetch_sub(1, Ordering::SeqCst);
                let result = async_hooks::run_as(scope, &self.core, async_id, |scope| {
                    host::settle(scope, resolver, outcome)
                });
                async_hooks::destroy(scope, &self.core, async_id);
                self.callback_done(scope, result)
            }
        }
    }

    /// Deliver everything queued on notifier `id`, in order; release its
    /// target once it is closed and drained.
    fn deliver_notifications(&self, scope: &mut v8::PinScope, id: u64) -> Result<(), Error> {
        let (notifier, target) = {
            let mut all = self.core.notifiers.lock().unwrap_or_else(|e| e.into_inner());
            match all.get_mut(&id) {
                Some((n, t)) => (Arc::clone(n), t.take()),
                None => return Ok(()),
            }
        };
        let Some(mut target) = target else { return Ok(()) }; // delivering further up the stack
        let (items, closed) = notifier.take_all();
        let mut items = items.into_iter();
        let mut stopped = Ok(());
        let async_id = notifier.async_id.id;
        notifier
            .async_id
            .init_if_pending(scope, &self.core, AsyncType::Notifier);
        for payload in items.by_ref() {
            let outcome = async_hooks::run_as(scope, &self.core, async_id, |scope| {
                self.deliver_one(scope, &mut target, payload)
            });
            if let Err(e) = self.callback_done(scope, outcome) {
                stopped = Err(e);
                break;
            }
        }
        // Whatever a termination left undelivered goes back to the front.
        notifier.unshift(items.collect());
        let mut all = self.core.notifiers.lock().unwrap_or_else(|e| e.into_inner());
        if closed && stopped.is_ok() && !notifier.has_items() {
            let entry = all.remove(&id); // drops the target (and runs a host finalizer)
            drop(all);
            drop(entry);
            async_hooks::destroy(scope, &self.core, async_id);
        } else if let Some((_, slot)) = all.get_mut(&id) {
            *slot = Some(target);
        }
        stopped
    }

    fn deliver_one(&self, scope: &mut v8::PinScope, target: &mut Target, payload: Value) -> Result<(), Error> {
        match target {
            Target::Host(f) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(payload)))
                    .map_err(|p| Error::new(Status::Internal, crate::error::panic_message(&*p)))?;
                scope.perform_microtask_checkpoint();
                Ok(())
            }
            Target::GlobalName(name) => {
                let deliver = match &*self.core.dispatch.lock().unwrap_or_else(|e| e.into_inner()) {
                    Some(d) => v8::Local::new(scope, &d.deliver),
                    None => return Ok(()),
                };
                let name = v8::String::new(scope, name).ok_or_else(|| Error::bad_input("callback name too long"))?;
                let payload = crate::values::to_v8(scope, &payload)
                    .map_err(|m| Error::bad_input(format!("notifier payload: {m}")))?;
                isolate::call_function(scope, &self.vm, deliver, &[name.into(), payload])
            }
        }
    }

    /// Make `func` callable from JS as the global `name`. Owner thread (or
    /// any, in any-thread mode), also from inside a callback.
    pub fn register(&self, name: &str, func: HostFunction) -> Result<(), Error> {
        if name.is_empty() {
            return Err(Error::bad_input("host function name is empty"));
        }
        let entry = Box::new(HostEntry {
            core: Arc::downgrade(&self.core),
            func,
        });
        let ptr = &*entry as *const HostEntry as *mut std::ffi::c_void;
        self.enter(None, |scope| -> Result<(), Error> {
            let data = v8::External::new(scope, ptr);
            let key = v8::String::new(scope, name).ok_or_else(|| Error::bad_input("name too long"))?;
            let f = v8::Function::builder(host::callback)
                .data(data.into())
                .build(scope)
                .ok_or_else(|| Error::new(Status::Internal, "cannot create function"))?;
            f.set_name(key);
            let global = scope.get_current_context().global(scope);
            global.set(scope, key.into(), f.into());
            Ok(())
        })??;
        self.core.hosts.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        Ok(())
    }

    /// Keep `item` until the runtime is dropped (for embedder finalizers).
    /// Add a hook set calling `hook` for resources of `types` (a mask of
    /// [`AsyncType`] bits; 0: all); it starts disabled. Returns its id.
    /// `wants_destroy`: it has a destroy hook (promises then report
    /// their collection, at a cost).
    /// Owner thread (or any, in any-thread mode), also from a callback.
    pub fn add_async_hooks(&self, types: u32, wants_destroy: bool, hook: NativeHook) -> Result<u32, Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.closed_error());
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
        self.enter(None, |scope| self.core.enable_hook_set(scope, id, enabled))?
    }

    /// (executionAsyncId, triggerAsyncId) now: meaningful inside a callback
    /// of this runtime, (1, 0) outside. Any thread.
    pub fn async_ids(&self) -> (u64, u64) {
        self.core.hooks.current_ids()
    }

    pub fn keep_until_drop(&self, item: Box<dyn Send>) {
        self.core.keep.lock().unwrap_or_else(|e| e.into_inner()).push(item);
    }

    /// A notifier delivering to `target` on this runtime's loop, with a
    /// queue of at most `capacity` payloads (0: unbounded). Any thread.
    pub fn notifier(&self, target: Target, capacity: usize) -> Result<Arc<Notifier>, Error> {
        if self.is_closed() {
            return Err(self.closed_error());
        }
        let async_id = self.new_async_id(AsyncType::Notifier)?;
        let n = Notifier::new(&self.core, capacity, async_id);
        self.core
            .notifiers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(n.id, (Arc::clone(&n), Some(target)));
        self.core.inbox.wake(); // the loop's liveness changed
        Ok(n)
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
            return Err(self.closed_error());
        }
        let async_id = self.new_async_id(AsyncType::Work)?;
        let req = work::queue(&self.core, work, after, async_id, created);
        self.core.inbox.wake();
        Ok(req)
    }

    /// The async identity of a resource about to be created, from any
    /// thread. On a thread running this runtime (inside a callback) its
    /// init fires now, triggered by that callback; elsewhere it fires on
    /// the loop before the resource's first callback. Before the resource
    /// exists, so a failure here leaves nothing half made.
    fn new_async_id(&self, ty: AsyncType) -> Result<AsyncId, Error> {
        let entered = self.entered_on_this_thread();
        let id = AsyncId::new(&self.core, !entered);
        if entered && self.core.hooks.wants_init() {
            self.enter(None, |scope| {
                async_hooks::init(scope, &self.core, id.id, ty, None, None)
            })?;
        }
        Ok(id)
    }

    /// For a nested entry: begin a call of its own only if no call runs
    /// (a pinned thread between calls); inside a callback, the outer call
    /// stays the one that terminate_call targets.
    fn begin_own_call(&self, call_id: u64) -> Result<bool, Error> {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.running.is_some() {
            return Ok(false);
        }
        if call_id != 0 && calls.stop == Some(call_id) {
            calls.stop = None;
            return Err(Error::new(Status::Terminated, "execution terminated before it started"));
        }
        calls.running = Some(call_id);
        Ok(true)
    }

    /// Hold this runtime's lock on the calling thread until [`Runtime::unpin`]
    /// (same thread): calls in between skip the per-call lock. Other
    /// threads' calls wait meanwhile. Not from inside a callback, and not
    /// while this thread is inside another runtime.
    pub fn pin(self: &Arc<Self>) -> Result<(), Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.closed_error());
        }
        if self.entered_on_this_thread() {
            return Err(Error::new(
                Status::WrongThread,
                "already pinned or inside a callback on this thread",
            ));
        }
        let locked = self.vm.lock()?;
        // SAFETY: the lock borrows `self.vm`; the Pinned entry keeps an Arc
        // of this runtime and drops the lock first (see Pinned's Drop).
        let locked: isolate::Locked<'static> = unsafe { std::mem::transmute(locked) };
        let mut locked = Box::new(locked);
        let isolate: *mut v8::Isolate = &mut **locked;
        let active = ActiveGuard::push(Arc::as_ptr(&self.core), isolate);
        PINNED.with(|p| {
            p.borrow_mut().push(Pinned {
                locked: Some(locked),
                active: Some(active),
                runtime: Arc::clone(self),
            })
        });
        Ok(())
    }

    /// Release what [`Runtime::pin`] took; must be the innermost pin of
    /// this thread.
    pub fn unpin(&self) -> Result<(), Error> {
        let pinned = PINNED.with(|p| {
            let mut p = p.borrow_mut();
            match p.last() {
                Some(top) if std::ptr::eq(Arc::as_ptr(&top.runtime), self) => p.pop(),
                _ => None,
            }
        });
        match pinned {
            Some(entry) => {
                drop(entry);
                Ok(())
            }
            None => Err(Error::new(
                Status::WrongThread,
                "this runtime is not pinned on this thread",
            )),
        }
    }

    /// Mark `call_id` as running; false if it was cancelled before start.
    fn begin_call(&self, call_id: u64) -> bool {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if call_id != 0 && calls.stop == Some(call_id) {
            calls.stop = None;
            return false;
        }
        calls.running = Some(call_id);
        true
    }

    fn end_call(&self) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.running = None;
    }

    /// End a call on the isolate it ran on. A termination aimed at it (even
    /// one that arrived after it finished) must not hit the next call. Safe
    /// to clear: end_call() already stopped new requests from targeting it.
    fn finish_call(&self, isolate: &mut v8::Isolate) {
        self.end_call();
        if self.terminate_pending.swap(false, Ordering::SeqCst) {
            isolate.cancel_terminate_execution();
        }
    }

    /// Stop the script or loop running now, if any. Any thread, any time.
    pub fn terminate(&self) {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.running.is_some() {
            self.stop_now();
        }
    }

    /// Stop the call started with `call_id` (non-zero): now if it runs,
    /// or as soon as it starts. Never affects another call. Any thread.
    pub fn terminate_call(&self, call_id: u64) {
        if call_id == 0 {
            return;
        }
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.running == Some(call_id) {
            self.stop_now();
        } else {
            calls.stop = Some(call_id);
        }
    }

    fn stop_now(&self) {
        self.terminate_pending.store(true, Ordering::SeqCst);
        self.handle.terminate_execution();
        if self.loop_running.load(Ordering::SeqCst) {
            self.core.stop_loop.store(true, Ordering::SeqCst);
            self.core.inbox.wake();
        }
    }

    /// Mark closed and stop what runs; later calls fail with `Closed`. The
    /// isolate itself is disposed when the last reference is dropped.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if self.calls.lock().unwrap_or_else(|e| e.into_inner()).running.is_some() {
            self.terminate_pending.store(true, Ordering::SeqCst);
            self.handle.terminate_execution();
        }
        self.core.inbox.wake();
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

struct ResetOnDrop<'a>(&'a AtomicBool);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Work first: queued requests are canceled, running ones waited
        // for; every after-callback then runs once, with Canceled, here.
        let pending: Vec<_> = self
            .core
            .work
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, r)| r)
            .collect();
        for req in &pending {
            let _ = req.cancel(); // queued ones first, before the pool can start them
        }
        for req in &pending {
            req.wait_finished();
        }
        for req in pending {
            let after = req.after.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(after) = after {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| after(&req, Status::Canceled)));
            }
        }
        // Notifiers: senders now get Closing; targets (and host
        // finalizers) are released.
        let notifiers: Vec<_> = self
            .core
            .notifiers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, v)| v)
            .collect();
        for (n, _) in &notifiers {
            n.close();
        }
        drop(notifiers);
        // Release every handle under the lock so teardown finds nothing
        // pending; if this thread is inside another isolate the crate
        // cannot lock here, and the isolate's own teardown releases them.
        let context = self.context.take();
        let dispatch = self.core.dispatch.lock().unwrap_or_else(|e| e.into_inner()).take();
        let rejections = std::mem::take(&mut *self.core.rejections());
        let promises = std::mem::take(&mut *self.core.promises.lock().unwrap_or_else(|e| e.into_inner()));
        let hooks = self.core.hooks.take_handles();
        let locked = self.vm.lock().ok();
        drop((context, dispatch, rejections, promises, hooks));
        drop(locked);
    }
}
