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

use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use smallvec::SmallVec;

use crate::async_hooks::{self, AsyncId, AsyncState, AsyncType, NativeHook, Receiver};
use crate::entry::{self, thread_token, Call, Calls, Entered};
use crate::error::{Error, Status};
use crate::event_loop::{Event, Inbox, RunMode, TimerPhase, TimerStep, Timers};
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

/// An unsettled host promise: its resolver, async id and trigger.
type PendingPromise = (v8::Global<v8::PromiseResolver>, u64, u64);

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
    promises: Mutex<HashMap<u64, PendingPromise>>,
    settlements: Mutex<HashMap<u64, Result<Value, String>>>,
    /// Async ids, hook sets and async context.
    pub(crate) hooks: AsyncState,
    /// V8's promise hooks are installed (once a set asks for PROMISE).
    promise_hooks_on: AtomicBool,
    /// When the loop last ran V8's foreground tasks.
    pumped: Mutex<Instant>,
    /// A script or call threw and left its microtasks (and the rejections
    /// they may handle) queued: the next entry runs them first, as Node
    /// runs them after its uncaught-exception handler.
    owed: AtomicBool,
}

impl Core {
    /// A pending host promise, and its async id.
    pub(crate) fn add_promise(&self, id: u64, resolver: v8::Global<v8::PromiseResolver>, async_id: u64) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let trigger = self.hooks.current_ids().0;
        self.promises
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (resolver, async_id, trigger));
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

/// A runtime (see the module doc). Calls go through [`Runtime::enter`]:
/// the gate, the isolate lock and the context scope.
pub struct Runtime {
    context: Option<v8::Global<v8::Context>>,
    core: Arc<Core>,
    /// `Some(thread)` in owner-thread mode.
    owner: Option<u64>,
    loop_running: AtomicBool,
    /// The gate and the call ids (closed state, terminations).
    calls: Calls,
    name: String,
    /// Last field: the isolate is disposed after everything that refers to
    /// it (by hand in Drop, since a dead runtime's isolate is leaked).
    vm: ManuallyDrop<Vm>,
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
            owed: AtomicBool::new(false),
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
            loop_running: AtomicBool::new(false),
            calls: Calls::new(vm.handle()),
            name,
            vm: ManuallyDrop::new(vm),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_closed(&self) -> bool {
        self.calls.is_closed()
    }

    /// Wake-ups signalled to the loop so far (many posts coalesce into one).
    pub fn wakeups(&self) -> u64 {
        self.core.inbox.wakeups()
    }

    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    pub(crate) fn calls(&self) -> &Calls {
        &self.calls
    }

    pub(crate) fn vm(&self) -> &Vm {
        &self.vm
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

    pub(crate) fn closed_error(&self) -> Error {
        if self.calls.is_dead() {
            Error::new(
                Status::Closed,
                format!(
                    "runtime '{}' was abandoned: a callback left its stack without returning (Go: runtime.Goexit in a Func)",
                    self.name
                ),
            )
        } else if self.vm.heap_limit_hit() {
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
        entry::active_isolate(self).is_some()
    }

    /// Run `f` with the isolate entered and the context's scope, on this
    /// thread, as `call` (see [`Call`]). Nested calls reuse the gate and
    /// lock already held.
    fn enter<R>(&self, call: Call, f: impl FnOnce(&mut v8::PinScope<'_, '_>) -> R) -> Result<R, Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.closed_error());
        }
        let context = self.context.as_ref().ok_or_else(|| self.closed_error())?;
        if let Some(isolate) = entry::active_isolate(self) {
            // SAFETY: this thread holds the lock and entered this isolate in
            // an outer frame (suspended in a callback) or by pinning.
            let isolate = unsafe { &mut *isolate };
            let own = self.calls.begin_nested(call)?;
            let result = in_context(isolate, context, f);
            if own {
                self.calls.end_nested(isolate);
            }
            return Ok(result);
        }
        let mut entered = Entered::new(self, call)?;
        Ok(in_context(entered.isolate(), context, f))
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
        let result = self.enter(Call::Id(call_id), |scope| {
            self.settle_owed(scope);
            let result = isolate::run_script(scope, &self.vm, source, name, Want::Typed, |s| self.checkpoint(s));
            self.note_throw(&result);
            result
        })?;
        self.after_call(result)
    }

    /// Call the global function `name` with `args`; returns its result.
    /// `call_id` as for [`Runtime::eval`].
    pub fn call(&self, name: &str, args: Args, call_id: u64) -> Result<Value, Error> {
        let result = self.enter(Call::Id(call_id), |scope| {
            let f = global_function(scope, name)?;
            self.call_local(scope, f, args)
        })?;
        self.after_call(result)
    }

    /// The global function `name`, kept alive until the returned handle is
    /// dropped (from any thread) or the runtime goes away.
    pub fn function(&self, name: &str) -> Result<v8::Global<v8::Function>, Error> {
        self.enter(Call::Step, |scope| {
            global_function(scope, name).map(|f| v8::Global::new(scope, f))
        })?
    }

    /// Call a function held by [`Runtime::function`] (no lookup by name).
    pub fn call_function(&self, f: &v8::Global<v8::Function>, args: Args, call_id: u64) -> Result<Value, Error> {
        let result = self.enter(Call::Id(call_id), |scope| {
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
        self.settle_owed(scope);
        let result = isolate::call_function_value(scope, &self.vm, f, &argv, |s| self.checkpoint(s));
        self.note_throw(&result);
        result
    }

    /// The microtask checkpoint after a call or callback, then the
    /// rejections still unhandled once it ran.
    fn checkpoint(&self, scope: &mut v8::PinScope) {
        async_hooks::run_microtasks(scope, &self.core);
        natives::report_rejections(scope, &self.core);
    }

    /// Run what a call that threw left queued (see `Core::owed`).
    fn settle_owed(&self, scope: &mut v8::PinScope) {
        if self.core.owed.swap(false, Ordering::SeqCst) {
            self.checkpoint(scope);
        }
    }

    /// A call that threw (not one that was stopped) leaves its microtasks
    /// to the next entry.
    fn note_throw<T>(&self, result: &Result<T, Error>) {
        if let Err(e) = result {
            if !matches!(e.kind, Status::Terminated | Status::HeapLimit) {
                self.core.owed.store(true, Ordering::SeqCst);
            }
        }
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
        self.calls.begin_loop(call_id)?;
        let outcome = self.run_turns(mode);
        self.calls.end_loop();
        let outcome = self.after_call(outcome)?;
        let first = self.core.first_error.lock().unwrap_or_else(|e| e.into_inner()).take();
        Ok(RunOutcome {
            alive: outcome,
            error: first,
        })
    }

    fn run_turns(&self, mode: RunMode) -> Result<bool, Error> {
        // As uv_run: with nothing referenced pending, run nothing at all
        // (an unref'd immediate or due unref'd timer does not fire).
        if !self.alive() {
            return Ok(false);
        }
        let mut waited = false;
        loop {
            let (alive, did_work, wait) = self.enter(Call::LoopTurn, |scope| self.turn(scope))??;
            if self.calls.loop_stopped() {
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

    /// Whether the loop has referenced work: timers or immediates,
    /// pending work, host promises, open notifiers, queued payloads, or
    /// events posted and not handled yet.
    fn alive(&self) -> bool {
        // Events posted meanwhile (say, the last payloads of a notifier
        // that just closed) keep the loop going for one more turn.
        self.core.inbox.has_pending()
            || self.core.timers().any_refed()
            || self.core.pending.load(Ordering::SeqCst) > 0
            // Read after refed_notifiers: a payload queued before a close is
            // counted before the close drops that count.
            || self.core.refed_notifiers.load(Ordering::SeqCst) > 0
            || self.core.queued_payloads.load(Ordering::SeqCst) > 0
    }

    fn stop_requested(&self) -> bool {
        self.calls.loop_stopped()
    }

    /// One turn of the loop: due timers, posted events, immediates, each
    /// callback followed by its microtasks; a stop between two callbacks
    /// leaves the rest for the next run. Returns (alive, did any work, how
    /// long the loop may wait).
    fn turn(&self, scope: &mut v8::PinScope) -> Result<(bool, bool, Option<std::time::Duration>), Error> {
        self.settle_owed(scope);
        let mut did_work = false;
        let now = Timers::now();
        let mut timers = TimerPhase::default();
        let mut ran = false;
        while !self.stop_requested() {
            let step = self.core.timers().step(&mut timers, now);
            match step {
                TimerStep::Done => break,
                TimerStep::Checkpoint => self.checkpoint(scope),
                TimerStep::Run(id, repeats, trigger) => {
                    did_work = true;
                    ran = true;
                    let ty = if repeats {
                        AsyncType::Interval
                    } else {
                        AsyncType::Timeout
                    };
                    let threw = self.fire(scope, id, ty, trigger);
                    if repeats {
                        self.core.timers().rearm(id);
                    }
                    if threw? {
                        timers.restart();
                    }
                }
            }
        }
        if ran {
            self.checkpoint(scope);
        }
        let mut events = self.core.inbox.drain().into_iter();
        while let Some(event) = events.next() {
            if self.stop_requested() {
                self.core.inbox.unshift(std::iter::once(event).chain(events));
                break;
            }
            did_work = true;
            if let Err(e) = self.handle_event(scope, event) {
                self.core.inbox.unshift(events);
                return Err(e);
            }
        }
        let mut budget = self.core.timers().immediates_queued();
        let mut phase = ImmediatePhase::default();
        while !self.stop_requested() {
            phase.before_next(self, scope);
            let Some((id, trigger)) = self.core.timers().pop_immediate(&mut budget) else {
                break;
            };
            did_work = true;
            phase.ran(self.fire(scope, id, AsyncType::Immediate, trigger)?);
        }
        phase.end(self, scope);
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
            self.checkpoint(scope);
        }
        let alive = self.alive();
        let mut timers = self.core.timers();
        let wait = if timers.has_immediates() || self.core.inbox.has_pending() {
            Some(std::time::Duration::ZERO)
        } else {
            timers.next_due()
        };
        Ok((alive, did_work, wait))
    }

    /// Run timer or immediate `id` (of type `ty`, created by `trigger`); a
    /// one-shot is destroyed after. Ok(true): it threw (reported).
    fn fire(&self, scope: &mut v8::PinScope, id: u64, ty: AsyncType, trigger: u64) -> Result<bool, Error> {
        let fire = match &*self.core.dispatch.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(d) => v8::Local::new(scope, &d.fire),
            None => return Ok(false),
        };
        let result = async_hooks::run_as(scope, &self.core, id, trigger, ty, |scope| {
            let id = v8::Number::new(scope, id as f64).into();
            isolate::call_function(scope, &self.vm, fire, &[id])
        });
        if ty != AsyncType::Interval {
            async_hooks::destroy(scope, &self.core, id, ty);
        }
        self.callback_done(result)
    }

    /// After a callback: report what it threw (the loop goes on; Ok(true))
    /// and stop the loop only for termination. Its microtasks are the
    /// caller's to run (see [`Phase`]).
    fn callback_done(&self, result: Result<(), Error>) -> Result<bool, Error> {
        match result {
            Err(e) if matches!(e.kind, Status::Terminated | Status::HeapLimit) => Err(e),
            Err(e) => {
                self.core.report(e);
                Ok(true)
            }
            Ok(()) => Ok(false),
        }
    }

    /// A callback outside the timer and immediate phases (work, a host
    /// promise, a notifier payload): its microtasks run right after it.
    fn event_done(&self, scope: &mut v8::PinScope, result: Result<(), Error>) -> Result<(), Error> {
        let outcome = self.callback_done(result);
        if outcome.is_ok() {
            self.checkpoint(scope);
        }
        outcome.map(|_| ())
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
                let async_id = &req.async_id;
                async_id.init_if_pending(scope, core, AsyncType::Work);
                let outcome = async_hooks::run_as(scope, core, async_id.id, async_id.trigger, AsyncType::Work, |_| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| after(&req, status)))
                        .map_err(|p| Error::new(Status::Internal, crate::error::panic_message(&*p)))
                });
                async_hooks::destroy(scope, core, async_id.id, AsyncType::Work);
                self.event_done(scope, outcome)
            }
            Event::Settle(id) => {
                let resolver = self.core.promises.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                let outcome = self.core.settlements().remove(&id);
                let (Some((resolver, async_id, trigger)), Some(outcome)) = (resolver, outcome) else {
                    return Ok(());
                };
                self.core.pending.fetch_sub(1, Ordering::SeqCst);
                let result =
                    async_hooks::run_as(scope, &self.core, async_id, trigger, AsyncType::HostPromise, |scope| {
                        host::settle(scope, resolver, outcome)
                    });
                async_hooks::destroy(scope, &self.core, async_id, AsyncType::HostPromise);
                self.event_done(scope, result)
            }
        }
    }

    /// Deliver everything queued on notifier `id`, in order; release its
    /// target once it is closed and drained. A stop between two payloads
    /// leaves the rest queued.
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
        let mut items = items.into_iter().peekable();
        let mut stopped = Ok(());
        let async_id = &notifier.async_id;
        async_id.init_if_pending(scope, &self.core, AsyncType::Notifier);
        while items.peek().is_some() {
            if self.stop_requested() {
                stopped = Err(Error::new(Status::Terminated, "event loop terminated"));
                break;
            }
            let Some(payload) = items.next() else { break };
            let outcome = async_hooks::run_as(
                scope,
                &self.core,
                async_id.id,
                async_id.trigger,
                AsyncType::Notifier,
                |scope| self.deliver_one(scope, &mut target, payload),
            );
            if let Err(e) = self.event_done(scope, outcome) {
                stopped = Err(e);
                break;
            }
        }
        // Whatever a stop left undelivered goes back to the front.
        notifier.unshift(items.collect());
        let mut all = self.core.notifiers.lock().unwrap_or_else(|e| e.into_inner());
        if closed && stopped.is_ok() && !notifier.has_items() {
            let entry = all.remove(&id); // drops the target (and runs a host finalizer)
            drop(all);
            drop(entry);
            async_hooks::destroy(scope, &self.core, async_id.id, AsyncType::Notifier);
        } else if let Some((_, slot)) = all.get_mut(&id) {
            *slot = Some(target);
        }
        stopped
    }

    fn deliver_one(&self, scope: &mut v8::PinScope, target: &mut Target, payload: Value) -> Result<(), Error> {
        match target {
            Target::Host(f) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(payload)))
                .map_err(|p| Error::new(Status::Internal, crate::error::panic_message(&*p))),
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
        self.enter(Call::Step, |scope| -> Result<(), Error> {
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
        self.enter(Call::Step, |scope| self.core.enable_hook_set(scope, id, enabled))?
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
        let id = AsyncId::new(&self.core, entered);
        if entered && self.core.hooks.wants_init() {
            self.enter(Call::Step, |scope| {
                async_hooks::init(scope, &self.core, id.id, ty, None, None)
            })?;
        }
        Ok(id)
    }

    /// Hold this runtime's lock on the calling thread until [`Runtime::unpin`]
    /// (same thread): calls in between skip the per-call gate and lock.
    /// Other threads' calls wait meanwhile. Not from inside a callback, and
    /// not while this thread is inside another runtime.
    pub fn pin(self: &Arc<Self>) -> Result<(), Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.closed_error());
        }
        entry::pin(self)
    }

    /// Release what [`Runtime::pin`] took (same thread).
    pub fn unpin(&self) -> Result<(), Error> {
        if entry::unpin(Some(self)) {
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
        entry::unpin(Some(&this));
        if this.entered_on_this_thread() {
            return;
        }
        this.calls.wait_sole_owner(&this);
        if this.calls.is_dead() {
            // Abandoned frames hold references that are never dropped: hand
            // back the embedder's data now and leave the rest (entry.rs).
            this.release_embedder_data();
            std::mem::forget(this);
        }
    }

    /// Stop the script or loop running now, if any. Any thread, any time.
    pub fn terminate(&self) {
        if self.calls.terminate() {
            self.core.inbox.wake();
        }
    }

    /// Stop the call started with `call_id` (non-zero): now if it runs or
    /// waits for its turn, or as soon as it starts. Never another call.
    /// Any thread.
    pub fn terminate_call(&self, call_id: u64) {
        if self.calls.terminate_call(call_id) {
            self.core.inbox.wake();
        }
    }

    /// Mark closed: later calls and calls waiting for their turn fail with
    /// `Closed`, the running one is stopped. The isolate itself is disposed
    /// when the last reference is dropped.
    pub fn close(&self) {
        self.calls.close();
        self.core.inbox.wake();
    }
}

/// The microtask checkpoints of the immediates phase, as Node's
/// `processImmediate` places them: before every callback but the first, and
/// at the end. A callback that throws restarts the phase in Node (it
/// re-enters its processing), so the callback after it runs first and the
/// thrower's microtasks after that one; without throws this is the same as
/// a checkpoint after every callback. (Timers: `TimerPhase`.)
#[derive(Default)]
struct ImmediatePhase {
    /// A callback ran since the last checkpoint.
    pending: bool,
    /// The last callback threw: the next one runs before the checkpoint.
    skip: bool,
}

impl ImmediatePhase {
    fn before_next(&mut self, runtime: &Runtime, scope: &mut v8::PinScope) {
        if self.pending && !self.skip {
            runtime.checkpoint(scope);
            self.pending = false;
        }
    }

    fn ran(&mut self, threw: bool) {
        self.pending = true;
        self.skip = threw;
    }

    fn end(&mut self, runtime: &Runtime, scope: &mut v8::PinScope) {
        if self.pending {
            runtime.checkpoint(scope);
            self.pending = false;
        }
    }
}

/// Run `f` in `context`, in a fresh handle scope of `isolate`.
fn in_context<R>(
    isolate: &mut v8::Isolate,
    context: &v8::Global<v8::Context>,
    f: impl FnOnce(&mut v8::PinScope<'_, '_>) -> R,
) -> R {
    let scope = std::pin::pin!(v8::HandleScope::new(isolate));
    let mut scope = scope.init();
    let context = v8::Local::new(&scope, context);
    let scope = &mut v8::ContextScope::new(&mut scope, context);
    f(scope)
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

impl Runtime {
    /// Hand back everything the embedder gave this runtime, on this thread:
    /// queued work is canceled and running work waited for, then every
    /// after-callback runs once with `Canceled`; notifiers close and drop
    /// their targets; host functions and kept data run their finalizers.
    fn release_embedder_data(&self) {
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
        let finalize = std::panic::AssertUnwindSafe(|| {
            drop(notifiers);
            drop(std::mem::take(
                &mut *self.core.keep.lock().unwrap_or_else(|e| e.into_inner()),
            ));
        });
        let _ = std::panic::catch_unwind(finalize);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.calls.close();
        self.release_embedder_data();
        if self.calls.is_dead() {
            // V8 state refers to an abandoned stack: the isolate and every
            // handle into it stay as they are, forever (see entry.rs).
            std::mem::forget(self.context.take());
            std::mem::forget(Arc::clone(&self.core));
            return;
        }
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
        // Host functions last before the isolate: V8 holds pointers to them.
        drop(std::mem::take(
            &mut *self.core.hosts.lock().unwrap_or_else(|e| e.into_inner()),
        ));
        // SAFETY: dropped once, here, after everything that uses it.
        unsafe { ManuallyDrop::drop(&mut self.vm) };
    }
}
