//! How threads get into a runtime: one call at a time, through a gate.
//!
//! * The gate. Callers queue on it, in front of V8's own lock, because a
//!   thread blocked in V8's lock can be neither stopped nor turned away. A
//!   queued call leaves the queue at once when it is stopped
//!   (`terminate_call`) or the runtime closes, and a call that gets through
//!   after a close fails with `Closed`: after free, no call starts.
//! * Call ids. `terminate_call(id)` stops the call started with `id`
//!   whatever its state: running (V8 terminates it), queued (it leaves the
//!   queue with `Terminated`) or not arrived yet (remembered, in a bounded
//!   set: its caller is about to make it). Never another call.
//! * Re-entrancy. A callback running inside a call may call back into the
//!   same runtime on the same thread: the nested call reuses the gate and
//!   the lock already held (`ACTIVE`, a thread-local stack of entered
//!   runtimes).
//! * Pinning. A thread may keep the gate and the lock between calls.
//! * Abandoning. A host whose callback leaves the C stack without returning
//!   (Go's `runtime.Goexit`) marks the runtimes it was inside as dead: their
//!   V8 state points into that stack, so they can only be closed and leaked.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::core::Core;
use crate::error::{Error, Status};
use crate::isolate::{self, Locked, Vm};

/// A small per-thread number, never reused, to tell threads apart (never 0).
pub(crate) fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

/// Puts back the outer current call, also when unwinding.
struct RestoreCall<'a>(&'a AtomicU64, u64);

impl Drop for RestoreCall<'_> {
    fn drop(&mut self) {
        self.0.store(self.1, Ordering::Relaxed);
    }
}

/// What takes the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    /// A call (eval, call...) with its id; 0: a call nobody can target.
    Id(u64),
    /// One turn of the running loop: `terminate_call` of the loop's id
    /// stops it too.
    LoopTurn,
    /// A thread pinning the runtime; its calls come nested.
    Pin,
    /// Internal work (registering a function...), part of no call.
    Step,
}

/// How many stops for calls not seen yet are remembered.
const EARLY_STOPS: usize = 1024;

/// Stops that came for call ids not seen yet: a caller that arms a stop
/// (a Go context) just before making the call. Bounded, oldest forgotten
/// first: a stop for an id that already finished is never taken.
#[derive(Default)]
pub(crate) struct EarlyStops {
    ids: HashSet<u64>,
    order: VecDeque<u64>,
}

impl EarlyStops {
    pub(crate) fn remember(&mut self, id: u64) {
        if id != 0 && self.ids.insert(id) {
            self.order.push_back(id);
            if self.order.len() > EARLY_STOPS {
                if let Some(oldest) = self.order.pop_front() {
                    self.ids.remove(&oldest);
                }
            }
        }
    }

    /// Whether call `id` was stopped before it arrived (forgets the stop).
    pub(crate) fn take(&mut self, id: u64) -> bool {
        id != 0 && !self.ids.is_empty() && self.ids.remove(&id)
    }
}

#[derive(Default)]
struct State {
    /// Thread holding the gate (0: free).
    holder: u64,
    /// The call the holder runs now, which stops can target: `Some(id)`
    /// (id 0 for a call without one), `None` between a pinned thread's calls.
    running: Option<u64>,
    /// Calls with an id waiting at the gate, and whether they were stopped.
    queued: HashMap<u64, bool>,
    early: EarlyStops,
    /// The id of the loop while `run` runs, between its turns too.
    looping: Option<u64>,
    closed: bool,
    dead: bool,
    /// Threads blocked on `Calls::changed`: a notify is a futex syscall
    /// even with nobody waiting, so the uncontended path skips it.
    waiting: usize,
    /// Of those, the threads waiting for the gate to free up.
    gate_waiters: usize,
}

/// One runtime's gate and call bookkeeping.
pub(crate) struct Calls {
    state: Mutex<State>,
    /// Signalled when the gate frees up, a queued call is stopped, or the
    /// runtime closes.
    changed: Condvar,
    /// Lock-free copy of `State::closed` for the fast paths.
    closed: AtomicBool,
    /// Set when a stop targets the running loop: it returns at the next
    /// check (between callbacks, or when it would wait).
    stop_loop: AtomicBool,
    /// A V8 termination was requested for the gate holder: cancelled when
    /// it leaves, so it can never hit the next call.
    terminate_pending: AtomicBool,
    handle: v8::IsolateHandle,
}

fn terminated_early() -> Error {
    Error::new(Status::Terminated, "execution terminated before it started")
}

impl Calls {
    pub(crate) fn new(handle: v8::IsolateHandle) -> Calls {
        Calls {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            closed: AtomicBool::new(false),
            stop_loop: AtomicBool::new(false),
            terminate_pending: AtomicBool::new(false),
            handle,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, mut st: MutexGuard<'a, State>, timeout: Option<std::time::Duration>) -> MutexGuard<'a, State> {
        st.waiting += 1;
        let mut st = match timeout {
            None => self.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(t) => self.changed.wait_timeout(st, t).unwrap_or_else(|e| e.into_inner()).0,
        };
        st.waiting -= 1;
        st
    }

    /// Unlock, then wake the waiters if there are any.
    fn wake(&self, st: MutexGuard<'_, State>) {
        let any = st.waiting > 0;
        drop(st);
        if any {
            self.changed.notify_all();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.lock().dead
    }

    /// Take the gate for `call` on this thread, waiting for the holder to
    /// leave. `Err(Closed)` (plain: the caller words it) once the runtime
    /// closes, `Err(Terminated)` if the call is stopped first.
    fn acquire(&self, call: Call) -> Result<(), Error> {
        let id = match call {
            Call::Id(id) => id,
            _ => 0,
        };
        let mut st = self.lock();
        if st.early.take(id) {
            return Err(terminated_early());
        }
        let mut queued = false;
        let outcome = loop {
            if st.closed {
                break Err(Error::new(Status::Closed, "closed"));
            }
            if queued && st.queued.get(&id) == Some(&true) {
                break Err(terminated_early());
            }
            if st.holder == 0 {
                break Ok(());
            }
            if id != 0 && !queued {
                st.queued.insert(id, false);
            }
            queued = true;
            st.gate_waiters += 1;
            st = self.wait(st, None);
            st.gate_waiters -= 1;
        };
        if queued && id != 0 {
            st.queued.remove(&id);
        }
        outcome?;
        st.holder = thread_token();
        st.running = match call {
            Call::Id(id) => Some(id),
            Call::LoopTurn => st.looping,
            Call::Pin => None,
            Call::Step => Some(0),
        };
        Ok(())
    }

    /// A nested entry by the holder thread. A call with an id between a
    /// pinned thread's calls becomes the running call (true: end it with
    /// [`Calls::end_nested`]); inside a callback the outer call stays the one
    /// that stops target.
    pub(crate) fn begin_nested(&self, call: Call) -> Result<bool, Error> {
        let Call::Id(id) = call else { return Ok(false) };
        let mut st = self.lock();
        if st.running.is_some() {
            return Ok(false);
        }
        if st.early.take(id) {
            return Err(terminated_early());
        }
        st.running = Some(id);
        Ok(true)
    }

    /// End a call begun by [`Calls::begin_nested`]; the lock is still held.
    pub(crate) fn end_nested(&self, isolate: &v8::Isolate) {
        let mut st = self.lock();
        st.running = None;
        self.cancel_pending_termination(isolate);
    }

    /// The holder leaves (its V8 lock still held, so a termination aimed at
    /// it is cancelled before anybody else can run).
    fn release(&self, isolate: &v8::Isolate) {
        let mut st = self.lock();
        st.running = None;
        st.holder = 0;
        self.cancel_pending_termination(isolate);
        self.wake(st);
    }

    /// Give the gate back when the isolate lock was never taken.
    fn release_gate(&self) {
        let mut st = self.lock();
        st.holder = 0;
        st.running = None;
        self.wake(st);
    }

    fn cancel_pending_termination(&self, isolate: &v8::Isolate) {
        if self.terminate_pending.swap(false, Ordering::SeqCst) {
            isolate.cancel_terminate_execution();
        }
    }

    /// Called with the state locked, so the holder cannot leave meanwhile.
    fn stop_running(&self) {
        self.terminate_pending.store(true, Ordering::SeqCst);
        self.handle.terminate_execution();
    }

    /// Stop what runs now: the holder's call and the loop. Returns whether
    /// the loop was told to stop (the caller wakes it).
    pub(crate) fn terminate(&self) -> bool {
        let st = self.lock();
        if st.running.is_some() {
            self.stop_running();
        }
        let looping = st.looping.is_some();
        if looping {
            self.stop_loop.store(true, Ordering::SeqCst);
        }
        looping
    }

    /// Stop call `id` (non-zero) wherever it is. Returns whether it is the
    /// loop (the caller wakes it).
    pub(crate) fn terminate_call(&self, id: u64) -> bool {
        if id == 0 {
            return false;
        }
        let mut st = self.lock();
        if st.running == Some(id) {
            self.stop_running();
        }
        if st.looping == Some(id) {
            self.stop_loop.store(true, Ordering::SeqCst);
            return true;
        }
        if st.running == Some(id) {
            return false;
        }
        if let Some(stop) = st.queued.get_mut(&id) {
            *stop = true;
            self.wake(st);
            return false;
        }
        st.early.remember(id);
        false
    }

    /// The loop starts, as call `id`; `Terminated` if it was stopped first.
    pub(crate) fn begin_loop(&self, id: u64) -> Result<(), Error> {
        let mut st = self.lock();
        self.stop_loop.store(false, Ordering::SeqCst);
        if st.early.take(id) {
            return Err(terminated_early());
        }
        st.looping = Some(id);
        Ok(())
    }

    pub(crate) fn end_loop(&self) {
        self.lock().looping = None;
        self.stop_loop.store(false, Ordering::SeqCst);
    }

    /// Whether another thread waits for the gate now.
    pub(crate) fn others_waiting(&self) -> bool {
        self.lock().gate_waiters > 0
    }

    /// Before the loop takes the gate again for its next turn: let the
    /// threads waiting for it in first (its own thread, running, would
    /// take it back before a woken waiter is scheduled: calls from other
    /// threads waited hundreds of milliseconds behind a busy loop). Waits
    /// until one of them holds the gate, or a few milliseconds.
    pub(crate) fn let_waiters_in(&self) {
        let mut st = self.lock();
        let until = std::time::Instant::now() + std::time::Duration::from_millis(5);
        while st.gate_waiters > 0 && st.holder == 0 && !st.closed {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            st = self.wait(st, Some(left));
        }
    }

    pub(crate) fn loop_stopped(&self) -> bool {
        self.stop_loop.load(Ordering::SeqCst)
    }

    /// Refuse new calls, turn queued ones away, stop the running one.
    pub(crate) fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        self.closed.store(true, Ordering::SeqCst);
        if st.running.is_some() {
            self.stop_running();
        }
        if st.looping.is_some() {
            self.stop_loop.store(true, Ordering::SeqCst);
        }
        self.wake(st);
    }

    /// The holder's stack is gone: nothing may enter again.
    fn abandon(&self) {
        let mut st = self.lock();
        st.dead = true;
        st.closed = true;
        self.closed.store(true, Ordering::SeqCst);
        self.wake(st);
    }

    /// Wait until `runtime` is held by the caller alone (every call that
    /// looked it up has returned), or it is dead.
    pub(crate) fn wait_sole_owner<T>(&self, runtime: &Arc<T>) {
        let mut st = self.lock();
        // Leases are dropped without a signal; a short timeout catches them.
        while Arc::strong_count(runtime) > 1 && !st.dead {
            st = self.wait(st, Some(std::time::Duration::from_millis(1)));
        }
    }
}

/// A runtime's isolate as threads enter it: the isolate and its context,
/// the gate and call bookkeeping, and who may call. The façade
/// (`Runtime`) holds one beside the runtime's `Core`.
pub(crate) struct Gateway {
    calls: Calls,
    context: Option<v8::Global<v8::Context>>,
    /// `Some(thread)` in owner-thread mode.
    owner: Option<u64>,
    name: String,
    core: Arc<Core>,
    /// Disposed by hand ([`Gateway::dispose_isolate`]): after everything
    /// that refers to it, and never for a dead runtime; or taken out to be
    /// serialized ([`Gateway::take_vm`]).
    vm: ManuallyDrop<Vm>,
    vm_taken: bool,
    /// The id of the innermost call with an id running now (0: none), for
    /// a callback to find the host call it runs in.
    current_call: AtomicU64,
}

impl Gateway {
    pub(crate) fn new(
        vm: Vm,
        context: v8::Global<v8::Context>,
        core: Arc<Core>,
        name: String,
        any_thread: bool,
    ) -> Self {
        if !any_thread && !vm.is_creator() {
            // Only the owner thread ever enters (and disposes of) it: its
            // V8 state may stay in the isolate between calls. (Not in an
            // isolate to be serialized, which must be free of thread state.)
            vm.park_here_for_good();
        }
        Gateway {
            calls: Calls::new(vm.handle()),
            context: Some(context),
            owner: if any_thread { None } else { Some(thread_token()) },
            name,
            core,
            current_call: AtomicU64::new(0),
            vm: ManuallyDrop::new(vm),
            vm_taken: false,
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn calls(&self) -> &Calls {
        &self.calls
    }

    pub(crate) fn vm(&self) -> &Vm {
        &self.vm
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.calls.is_closed()
    }

    /// Whether the calling thread may use this runtime.
    pub(crate) fn check_thread(&self) -> Result<(), Error> {
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

    /// Keep this thread's V8 state in the isolate between its entries
    /// while the guard lives (see `isolate::Park`); the loop does, so a
    /// turn costs no V8 thread set-up. None: another thread parks already.
    pub(crate) fn park_here(&self) -> Option<isolate::Parking<'_>> {
        self.vm.park_here()
    }

    /// Whether this thread is inside a call of this runtime right now.
    pub(crate) fn entered_on_this_thread(&self) -> bool {
        active_isolate(self).is_some()
    }

    /// Run `f` with the isolate entered and the context's scope, on this
    /// thread, as `call` (see [`Call`]). Nested calls reuse the gate and
    /// lock already held.
    pub(crate) fn enter<R>(&self, call: Call, f: impl FnOnce(&mut v8::PinScope<'_, '_>) -> R) -> Result<R, Error> {
        self.check_thread()?;
        self.enter_from_any_thread(call, f)
    }

    /// [`Gateway::enter`] from a thread the runtime does not let call (the
    /// inspector's pump, serving DevTools while the owner is idle): V8's
    /// lock serialises it with the owner's calls like any other.
    pub(crate) fn enter_from_any_thread<R>(
        &self,
        call: Call,
        f: impl FnOnce(&mut v8::PinScope<'_, '_>) -> R,
    ) -> Result<R, Error> {
        if self.is_closed() {
            return Err(self.closed_error());
        }
        let context = self.context.as_ref().ok_or_else(|| self.closed_error())?;
        if let Some(raw) = active_isolate(self) {
            // SAFETY: this thread holds the lock and entered this isolate in
            // an outer frame (suspended in a callback) or by pinning.
            let isolate = &mut unsafe { v8::Isolate::from_raw_isolate_ptr_unchecked(raw) };
            let own = self.calls.begin_nested(call)?;
            self.core.refs.collect();
            let result = self.as_call(call, || in_context(isolate, context, f));
            if own {
                self.calls.end_nested(isolate);
            }
            return Ok(result);
        }
        let mut entered = Entered::new(self, call)?;
        // References dropped on other threads meanwhile: released here,
        // where the isolate is held.
        self.core.refs.collect();
        if self.core.loop_state.tasks_due_on_entry() {
            crate::platform::run_pending_tasks(entered.isolate());
        }
        Ok(self.as_call(call, || in_context(entered.isolate(), context, f)))
    }

    /// Run `f` with the isolate locked and entered but no context or scope
    /// (reading what V8 counts, say): the gate and lock only, or neither
    /// when this thread is inside the runtime already.
    pub(crate) fn with_isolate<R>(&self, f: impl FnOnce(&mut v8::Isolate) -> R) -> Result<R, Error> {
        self.check_thread()?;
        if self.is_closed() {
            return Err(self.closed_error());
        }
        if let Some(raw) = active_isolate(self) {
            // SAFETY: this thread holds the lock and entered this isolate in
            // an outer frame (suspended in a callback) or by pinning.
            return Ok(f(&mut unsafe { v8::Isolate::from_raw_isolate_ptr_unchecked(raw) }));
        }
        let mut entered = Entered::new(self, Call::Step)?;
        Ok(f(entered.isolate()))
    }

    /// Run `f` as the current call when `call` has an id.
    fn as_call<R>(&self, call: Call, f: impl FnOnce() -> R) -> R {
        match call {
            Call::Id(id) if id != 0 => self.with_current_call(id, f),
            _ => f(),
        }
    }

    /// Run `f` with `id` as the current call (see [`Gateway::current_call`]).
    pub(crate) fn with_current_call<R>(&self, id: u64, f: impl FnOnce() -> R) -> R {
        let outer = self.current_call.swap(id, Ordering::Relaxed);
        let _restore = RestoreCall(&self.current_call, outer);
        f()
    }

    /// The id of the innermost call with an id running now, 0 for none.
    pub(crate) fn current_call(&self) -> u64 {
        self.current_call.load(Ordering::Relaxed)
    }

    /// Refuse new calls, turn queued ones away, stop the running one, wake
    /// the loop.
    pub(crate) fn close(&self) {
        self.calls.close();
        self.core.inbox.wake();
    }

    /// Stop what runs now (the call and the loop). Any thread.
    pub(crate) fn terminate(&self) {
        if self.calls.terminate() {
            self.core.inbox.wake();
        }
    }

    /// Stop call `call_id` wherever it is (see [`Calls::terminate_call`]).
    pub(crate) fn terminate_call(&self, call_id: u64) {
        if self.calls.terminate_call(call_id) {
            self.core.inbox.wake();
        }
    }

    /// Release the context handle under the isolate lock (when this thread
    /// can take it), with `also` dropped there too.
    pub(crate) fn release_context<T>(&mut self, also: T) {
        let context = self.context.take();
        let locked = self.vm.lock().ok();
        drop((context, also));
        drop(locked);
    }

    /// Dispose of the isolate, last. A dead runtime's isolate is leaked
    /// instead: V8 state in it refers to an abandoned stack.
    pub(crate) fn dispose_isolate(&mut self) {
        if self.vm_taken {
            return;
        }
        if self.calls.is_dead() {
            std::mem::forget(self.context.take());
            return;
        }
        self.vm_taken = true;
        // SAFETY: called once (from the runtime's Drop), after everything
        // that uses the isolate.
        unsafe { ManuallyDrop::drop(&mut self.vm) };
    }

    /// Whether the isolate is still here (not disposed or taken).
    pub(crate) fn has_vm(&self) -> bool {
        !self.vm_taken
    }

    /// Take the isolate out, after everything that uses it is released
    /// (the runtime's teardown), to serialize it.
    pub(crate) fn take_vm(&mut self) -> Vm {
        assert!(!self.vm_taken, "the isolate was taken or disposed already");
        self.vm_taken = true;
        // SAFETY: marked taken: never used or dropped here again.
        unsafe { ManuallyDrop::take(&mut self.vm) }
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

/// A runtime entered on this thread: (its gateway, core, isolate).
type Active = (*const Gateway, *const Core, v8::UnsafeRawIsolatePtr);

thread_local! {
    /// Runtimes entered on this thread, innermost last.
    static ACTIVE: RefCell<Vec<Active>> = const { RefCell::new(Vec::new()) };
    /// The runtime pinned to this thread, if any (a thread holds at most one
    /// isolate lock, so at most one pin).
    static PINNED: RefCell<Option<Pinned>> = const { RefCell::new(None) };
}

/// The innermost runtime entered on this thread (for isolate-wide hooks).
pub(crate) fn active_core<'a>() -> Option<&'a Core> {
    // SAFETY: entries live only while their runtime is entered on this
    // thread, and the Core outlives that.
    ACTIVE.with(|a| a.borrow().last().map(|&(_, core, _)| unsafe { &*core }))
}

/// The isolate of `gateway` if this thread is inside it right now.
fn active_isolate(gateway: *const Gateway) -> Option<v8::UnsafeRawIsolatePtr> {
    ACTIVE.with(|a| a.borrow().iter().rev().find(|e| e.0 == gateway).map(|e| e.2))
}

/// The isolate lock, the gate and this thread's ACTIVE entry, held for one
/// call (or a pin) and given back in the right order, also on a panic.
struct Entered<'a> {
    gateway: &'a Gateway,
    locked: Option<Locked<'a>>,
}

impl<'a> Entered<'a> {
    /// Pass the gate for `call`, lock the isolate, and push the ACTIVE entry.
    fn new(gateway: &'a Gateway, call: Call) -> Result<Entered<'a>, Error> {
        let calls = &gateway.calls;
        calls.acquire(call).map_err(|e| match e.kind {
            Status::Closed => gateway.closed_error(),
            _ => e,
        })?;
        let mut entered = Entered { gateway, locked: None };
        // The gate is held: `entered` now gives it back whatever happens.
        let locked = gateway.vm.lock()?;
        // A stop that came between passing the gate and taking V8's lock
        // can be lost: V8 resets a thread's interrupts when it takes the
        // isolate. Any pending stop now is this call's: ask again.
        if calls.terminate_pending.load(Ordering::SeqCst) {
            locked.terminate_execution();
        }
        // SAFETY: only the address of V8's isolate, which outlives the entry.
        let isolate = unsafe { locked.as_raw_isolate_ptr() };
        entered.locked = Some(locked);
        ACTIVE.with(|a| a.borrow_mut().push((gateway, Arc::as_ptr(&gateway.core), isolate)));
        Ok(entered)
    }

    fn isolate(&mut self) -> &mut v8::Isolate {
        self.locked.as_mut().expect("an Entered holds its lock")
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let calls = &self.gateway.calls;
        let Some(locked) = self.locked.take() else {
            // The lock was never taken: only the gate to give back.
            calls.release_gate();
            return;
        };
        // try_with: may run from a thread-local destructor at thread exit.
        let _ = ACTIVE.try_with(|a| a.borrow_mut().pop());
        calls.release(&locked);
        drop(locked);
    }
}

/// A runtime pinned to this thread. Field order is drop order: the entry
/// (lock, gate), then what keeps the runtime that owns the gateway alive.
struct Pinned {
    entered: Option<Entered<'static>>,
    gateway: *const Gateway,
    _owner: Arc<dyn Send + Sync>,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        drop(self.entered.take());
    }
}

/// Pin `gateway` to this thread (see `Runtime::pin`); `owner` keeps it
/// alive until unpinned.
pub(crate) fn pin(gateway: &Gateway, owner: Arc<dyn Send + Sync>) -> Result<(), Error> {
    gateway.check_thread()?;
    if gateway.is_closed() {
        return Err(gateway.closed_error());
    }
    if isolate::thread_in_isolate() {
        return Err(Error::new(
            Status::WrongThread,
            "already pinned or inside a callback on this thread",
        ));
    }
    let entered = Entered::new(gateway, Call::Pin)?;
    // SAFETY: the entry borrows the gateway, which `owner` keeps alive and
    // which the Pinned drops after the entry (see Pinned's Drop).
    let entered: Entered<'static> = unsafe { std::mem::transmute(entered) };
    PINNED.with(|p| {
        *p.borrow_mut() = Some(Pinned {
            entered: Some(entered),
            gateway,
            _owner: owner,
        })
    });
    Ok(())
}

/// Undo [`pin`] for `gateway` (`None`: whatever is pinned here). False if
/// it is not pinned on this thread.
pub(crate) fn unpin(gateway: Option<&Gateway>) -> bool {
    let pinned = PINNED.with(|p| {
        let mut p = p.borrow_mut();
        match (&*p, gateway) {
            (Some(pin), Some(gw)) if !std::ptr::eq(pin.gateway, gw) => None,
            _ => p.take(),
        }
    });
    pinned.is_some()
}

/// This thread's stack is about to be abandoned: whatever call frames it
/// has inside runtimes will never return (a Go callback calling
/// `runtime.Goexit` unwinds through them). Every runtime entered here is
/// marked dead; the locks and guards those frames hold are forgotten, not
/// released, since V8 state refers to them. Returns how many runtimes.
pub(crate) fn abandon_thread() -> usize {
    let active = ACTIVE.with(|a| std::mem::take(&mut *a.borrow_mut()));
    for &(gateway, _, _) in &active {
        // SAFETY: an entered runtime is alive: the frames being abandoned
        // hold references to it, and they are never released now.
        unsafe { &*gateway }.calls.abandon();
    }
    if let Some(pinned) = PINNED.with(|p| p.borrow_mut().take()) {
        // SAFETY: kept alive by the pin's owner reference, forgotten here.
        unsafe { &*pinned.gateway }.calls.abandon();
        std::mem::forget(pinned);
    }
    isolate::forget_thread_locks();
    active.len()
}
