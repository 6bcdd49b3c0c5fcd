//! The event loop, as `uv_run` and Node run it: the inbox other threads
//! post to (with coalesced wake-ups), the timers and immediates, and the
//! turns that run them. A turn takes one timer or immediate at a time, so a
//! callback that clears a later one of the same batch keeps it from running
//! at all, and a stop between two callbacks leaves the rest where they
//! were; microtask checkpoints go where Node puts them (see `TimerPhase`
//! and `ImmediatePhase`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::async_hooks::{self, AsyncType};
use crate::core::Core;
use crate::entry::{Call, Gateway};
use crate::error::{Error, Status};
use crate::value::Conv;
use crate::{host, isolate, natives, notifier, work};

/// How `run` behaves, as `uv_run`'s modes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Run until nothing referenced is pending.
    Default = 0,
    /// Run what is due; if nothing was, wait for one event and run it.
    Once = 1,
    /// Run what is due, never wait.
    NoWait = 2,
}

impl RunMode {
    pub fn from_u32(n: u32) -> Option<RunMode> {
        [RunMode::Default, RunMode::Once, RunMode::NoWait]
            .get(n as usize)
            .copied()
    }
}

/// Something another thread hands to the loop.
pub(crate) enum Event {
    /// A notifier has payloads queued.
    Notify(u64),
    /// A pool work request finished (or was cancelled).
    WorkDone(u64),
    /// A host promise was settled.
    Settle(u64),
    /// DevTools protocol messages wait for the runtime's inspector.
    Inspector,
}

/// The thread-safe door into a runtime's loop. Posting is cheap; only the
/// first post after the loop drained the inbox wakes the loop.
pub(crate) struct Inbox {
    queue: Mutex<VecDeque<Event>>,
    ready: Condvar,
    /// A wake-up is already pending: further posts just queue.
    awake: AtomicBool,
    /// How many wake-ups were signalled (to observe coalescing).
    wakeups: AtomicU64,
}

impl Inbox {
    pub(crate) fn new() -> Inbox {
        Inbox {
            queue: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
            awake: AtomicBool::new(false),
            wakeups: AtomicU64::new(0),
        }
    }

    pub(crate) fn post(&self, event: Event) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(event);
        self.wake();
    }

    /// Wake the loop if no wake-up is pending yet.
    pub(crate) fn wake(&self) {
        if !self.awake.swap(true, Ordering::AcqRel) {
            self.wakeups.fetch_add(1, Ordering::Relaxed);
            let _guard = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            self.ready.notify_all();
        }
    }

    /// Put events the loop took but did not handle (it was stopped) back
    /// in front, in order, for its next turn.
    pub(crate) fn unshift(&self, events: impl DoubleEndedIterator<Item = Event>) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        for event in events.rev() {
            queue.push_front(event);
        }
        self.awake.store(true, Ordering::Release);
    }

    /// Everything posted so far; re-arms wake-ups.
    pub(crate) fn drain(&self) -> VecDeque<Event> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.awake.store(false, Ordering::Release);
        std::mem::take(&mut *queue)
    }

    /// Block until something is posted or woken, or `timeout` passes.
    /// Costs no CPU while waiting.
    pub(crate) fn wait(&self, timeout: Option<Duration>) {
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if !queue.is_empty() || self.awake.load(Ordering::Acquire) {
            return;
        }
        match timeout {
            Some(t) => drop(self.ready.wait_timeout(queue, t)),
            None => drop(self.ready.wait(queue)),
        }
    }

    /// Whether anything was posted (or woken) since the last drain.
    pub(crate) fn has_pending(&self) -> bool {
        self.awake.load(Ordering::Acquire) || !self.queue.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    pub(crate) fn wakeups(&self) -> u64 {
        self.wakeups.load(Ordering::Relaxed)
    }
}

struct TimerState {
    seq: u64,
    refed: bool,
    /// The execution id that created it (its triggerAsyncId).
    trigger: u64,
    /// Whole milliseconds (the list it belongs to); 0 for an immediate.
    msecs: u64,
    repeat: bool,
    immediate: bool,
}

impl TimerState {
    fn kind(&self) -> AsyncType {
        match (self.immediate, self.repeat) {
            (true, _) => AsyncType::Immediate,
            (false, true) => AsyncType::Interval,
            (false, false) => AsyncType::Timeout,
        }
    }
}

/// Node's timer list: the timers of one duration, in insertion order.
struct TimerList {
    /// (timer id, its seq when inserted, start time in loop ms).
    entries: VecDeque<(u64, u64, u64)>,
    /// When its head is due; with `id`, its place in the queue of lists.
    expiry: u64,
    id: u64,
}

/// Where the timers phase is, as Node's `processTimers`/`listOnTimeout`.
#[derive(Default)]
pub(crate) struct TimerPhase {
    /// The list being run (its duration).
    list: Option<u64>,
    ran_list: bool,
    ran_timer: bool,
    /// The checkpoint before the next step was just made.
    ticked: bool,
}

impl TimerPhase {
    /// A callback threw: Node re-enters its timer processing from the top,
    /// with no checkpoint before the next timer of the same list.
    pub(crate) fn restart(&mut self) {
        *self = TimerPhase::default();
    }
}

/// What the timers phase does next.
pub(crate) enum TimerStep {
    /// Run the microtask checkpoint, then step again.
    Checkpoint,
    /// Fire timer `id` (whether it repeats; its trigger).
    Run(u64, bool, u64),
    Done,
}

/// The process's monotonic clock: the time since its first reading.
pub(crate) fn clock() -> Duration {
    static EPOCH: once_cell::sync::Lazy<Instant> = once_cell::sync::Lazy::new(Instant::now);
    EPOCH.elapsed()
}

/// The loop's clock, in whole milliseconds, as libuv's `uv_now`.
fn clock_ms() -> u64 {
    clock().as_millis() as u64
}

/// Timers and immediates, by id (a timer's id is its async id), kept the
/// way Node keeps them: a list per whole-millisecond duration, each in
/// insertion order, and a queue of lists by the expiry of their head
/// (ties: the list's id). Times are whole milliseconds of a monotonic
/// clock, read as Node reads libuv's (`getLibuvNow` updates it first): a
/// timer starts when it is made; a turn runs what is due when it starts.
#[derive(Default)]
pub(crate) struct Timers {
    lists: HashMap<u64, TimerList>,
    /// (expiry, list id, duration); stale entries (a list since moved or
    /// deleted) are skipped.
    queue: BinaryHeap<Reverse<(u64, u64, u64)>>,
    active: HashMap<u64, TimerState>,
    immediates: VecDeque<(u64, u64)>,
    next_seq: u64,
    next_list: u64,
    /// When the interval being run started its callback (its next start).
    rearm_start: u64,
}

impl Timers {
    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The loop's time for a turn, read at its start.
    pub(crate) fn now() -> u64 {
        clock_ms()
    }

    /// Start timer `id`: `delay_ms` is clamped to [1, 2^31 - 1] and
    /// truncated to whole milliseconds, as Node does.
    pub(crate) fn start(&mut self, id: u64, delay_ms: f64, repeat: bool, trigger: u64) {
        let msecs = delay_ms.clamp(1.0, 2_147_483_647.0) as u64;
        let refed = self.active.get(&id).map(|t| t.refed).unwrap_or(true);
        let seq = self.seq();
        self.active.insert(
            id,
            TimerState {
                seq,
                refed,
                trigger,
                msecs,
                repeat,
                immediate: false,
            },
        );
        self.append(id, seq, msecs, clock_ms());
    }

    fn append(&mut self, id: u64, seq: u64, msecs: u64, start: u64) {
        if !self.lists.contains_key(&msecs) {
            let list_id = self.next_list_id();
            self.queue.push(Reverse((start + msecs, list_id, msecs)));
            self.lists.insert(
                msecs,
                TimerList {
                    entries: VecDeque::new(),
                    expiry: start + msecs,
                    id: list_id,
                },
            );
        }
        if let Some(list) = self.lists.get_mut(&msecs) {
            list.entries.push_back((id, seq, start));
        }
    }

    fn next_list_id(&mut self) -> u64 {
        self.next_list += 1;
        self.next_list
    }

    /// Put an interval that just ran back at the end of its list, started
    /// when its callback began (unless the callback cleared it).
    pub(crate) fn rearm(&mut self, id: u64) {
        let Some(t) = self.active.get(&id) else { return };
        if !t.repeat || t.immediate {
            return;
        }
        let msecs = t.msecs;
        let seq = self.seq();
        if let Some(t) = self.active.get_mut(&id) {
            t.seq = seq;
        }
        self.append(id, seq, msecs, self.rearm_start);
    }

    pub(crate) fn immediate(&mut self, id: u64, trigger: u64) {
        let seq = self.seq();
        self.active.insert(
            id,
            TimerState {
                seq,
                refed: true,
                trigger,
                msecs: 0,
                repeat: false,
                immediate: true,
            },
        );
        self.immediates.push_back((seq, id));
    }

    /// Forget timer or immediate `id`; its type if it was live.
    /// `immediate`: which kind the caller clears (clearTimeout never clears
    /// an immediate, nor clearImmediate a timer, as in Node).
    pub(crate) fn stop(&mut self, id: u64, immediate: bool) -> Option<AsyncType> {
        match self.active.get(&id) {
            Some(t) if t.immediate == immediate => self.active.remove(&id).map(|t| t.kind()),
            _ => None,
        }
    }

    pub(crate) fn set_ref(&mut self, id: u64, refed: bool) {
        if let Some(t) = self.active.get_mut(&id) {
            t.refed = refed;
        }
    }

    fn live(&self, id: u64, seq: u64) -> bool {
        self.active.get(&id).is_some_and(|t| t.seq == seq && !t.immediate)
    }

    /// The list at the front of the queue: (expiry, duration).
    fn peek_list(&mut self) -> Option<(u64, u64)> {
        while let Some(Reverse((expiry, list_id, msecs))) = self.queue.peek().copied() {
            match self.lists.get(&msecs) {
                Some(list) if list.id == list_id && list.expiry == expiry => return Some((expiry, msecs)),
                _ => {
                    self.queue.pop();
                }
            }
        }
        None
    }

    /// The next step of the timers phase at loop time `now` (Node's
    /// `processTimers` and `listOnTimeout`, one timer at a time; the
    /// checkpoints are where Node runs `runNextTicks`).
    pub(crate) fn step(&mut self, ph: &mut TimerPhase, now: u64) -> TimerStep {
        loop {
            let msecs = match ph.list {
                Some(msecs) => msecs,
                None => {
                    let Some((expiry, msecs)) = self.peek_list() else {
                        return TimerStep::Done;
                    };
                    if expiry > now {
                        return TimerStep::Done;
                    }
                    if ph.ran_list && !ph.ticked {
                        ph.ticked = true;
                        return TimerStep::Checkpoint;
                    }
                    ph.ticked = false;
                    ph.ran_list = true;
                    ph.ran_timer = false;
                    ph.list = Some(msecs);
                    msecs
                }
            };
            let head = {
                let Some(list) = self.lists.get_mut(&msecs) else {
                    ph.list = None;
                    continue;
                };
                // Cleared or restarted timers leave stale entries behind.
                while let Some(&(id, seq, _)) = list.entries.front() {
                    if self.active.get(&id).is_some_and(|t| t.seq == seq && !t.immediate) {
                        break;
                    }
                    list.entries.pop_front();
                }
                list.entries.front().copied()
            };
            match head {
                None => {
                    // An empty list is deleted (it may come back later).
                    self.lists.remove(&msecs);
                    ph.list = None;
                }
                Some((_, _, start)) if now < start + msecs => {
                    // Not due yet: the list waits for its new head.
                    let list_id = self.next_list_id();
                    let expiry = (start + msecs).max(now + 1);
                    if let Some(list) = self.lists.get_mut(&msecs) {
                        list.expiry = expiry;
                        list.id = list_id;
                    }
                    self.queue.push(Reverse((expiry, list_id, msecs)));
                    ph.list = None;
                }
                Some((id, seq, _)) => {
                    if ph.ran_timer && !ph.ticked {
                        ph.ticked = true;
                        return TimerStep::Checkpoint;
                    }
                    ph.ticked = false;
                    if !self.live(id, seq) {
                        continue; // cleared by the checkpoint just made
                    }
                    ph.ran_timer = true;
                    if let Some(list) = self.lists.get_mut(&msecs) {
                        list.entries.pop_front();
                    }
                    let t = &self.active[&id];
                    let (repeat, trigger) = (t.repeat, t.trigger);
                    if repeat {
                        self.rearm_start = clock_ms();
                    } else {
                        self.active.remove(&id);
                    }
                    return TimerStep::Run(id, repeat, trigger);
                }
            }
        }
    }

    /// How many immediates are queued now: a turn runs at most these
    /// (those queued while they run wait for the next turn, as in Node).
    /// Timers, intervals and immediates not run or cleared yet.
    pub(crate) fn pending(&self) -> usize {
        self.active.len() + self.immediates.len()
    }

    pub(crate) fn immediates_queued(&self) -> usize {
        self.immediates.len()
    }

    /// The next live immediate within `budget` queued entries: (id, trigger).
    pub(crate) fn pop_immediate(&mut self, budget: &mut usize) -> Option<(u64, u64)> {
        while *budget > 0 {
            *budget -= 1;
            let (seq, id) = self.immediates.pop_front()?;
            match self.active.get(&id) {
                Some(t) if t.seq == seq => {
                    let trigger = t.trigger;
                    self.active.remove(&id);
                    return Some((id, trigger));
                }
                _ => continue, // cleared since it was queued
            }
        }
        None
    }

    pub(crate) fn has_immediates(&self) -> bool {
        self.immediates
            .iter()
            .any(|(seq, id)| self.active.get(id).is_some_and(|t| t.seq == *seq))
    }

    /// Referenced timers or immediates keep the loop alive.
    pub(crate) fn any_refed(&self) -> bool {
        self.active.values().any(|t| t.refed)
    }

    /// How long until the next list is due (referenced or not).
    pub(crate) fn next_due(&mut self) -> Option<Duration> {
        let (expiry, _) = self.peek_list()?;
        Some(Duration::from_millis(expiry.saturating_sub(clock_ms())))
    }
}

/// The loop's own state between turns.
pub(crate) struct LoopState {
    /// `run` is running (one loop at a time).
    running: AtomicBool,
    /// When the loop last ran V8's foreground tasks.
    pumped: Mutex<Instant>,
    /// A script or call threw and left its microtasks (and the rejections
    /// they may handle) queued: the next entry runs them first, as Node
    /// runs them after its uncaught-exception handler.
    owed: AtomicBool,
    /// Entries into the runtime, for running V8's tasks now and then
    /// outside the loop too (see `tasks_due_on_entry`).
    entries: AtomicU32,
}

impl Default for LoopState {
    fn default() -> Self {
        LoopState {
            running: AtomicBool::new(false),
            pumped: Mutex::new(Instant::now()),
            owed: AtomicBool::new(false),
            entries: AtomicU32::new(0),
        }
    }
}

impl LoopState {
    /// Whether this entry into the runtime should run V8's pending tasks
    /// first: one entry in 1,024, so a program that only calls (and never
    /// runs the loop) still gets its FinalizationRegistry cleanups (which
    /// release wrapped Go values), at ~2 instructions per call.
    pub(crate) fn tasks_due_on_entry(&self) -> bool {
        self.entries.fetch_add(1, Ordering::Relaxed) & 1023 == 1023
    }
}

/// The result of a run of the loop.
#[derive(Debug)]
pub struct RunOutcome {
    /// Whether referenced work remains.
    pub alive: bool,
    /// The first uncaught error or unhandled rejection during the run (the
    /// loop went on after it), or why the run stopped (terminated...).
    pub error: Option<Error>,
}

struct ResetOnDrop<'a>(&'a AtomicBool);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Run the loop of `gw`/`core` on this thread, as `uv_run` does in `mode`,
/// as call `call_id`. Callbacks' exceptions and unhandled rejections are
/// reported to the error sink as they happen and the loop goes on; the
/// first one is in the outcome. Not from inside a callback of this runtime.
pub(crate) fn run(gw: &Gateway, core: &Core, mode: RunMode, call_id: u64) -> Result<RunOutcome, Error> {
    let ended = run_with(gw, core, mode, None, call_id)?;
    Ok(RunOutcome {
        alive: ended == Ended::Alive,
        error: core.sinks.take_first_error(),
    })
}

/// Run the loop as `run(Default)` does until `done` holds after a turn
/// (true), or nothing referenced is pending any more (false).
pub(crate) fn run_until(
    gw: &Gateway,
    core: &Core,
    call_id: u64,
    done: &dyn Fn(&mut v8::PinScope) -> bool,
) -> Result<bool, Error> {
    Ok(run_with(gw, core, RunMode::Default, Some(done), call_id)? == Ended::Done)
}

/// How a run ended.
#[derive(PartialEq, Eq)]
enum Ended {
    /// Nothing referenced is pending.
    Idle,
    /// Referenced work remains (Once, NoWait).
    Alive,
    /// The `until` condition holds.
    Done,
}

type Until<'a> = Option<&'a dyn Fn(&mut v8::PinScope) -> bool>;

fn run_with(gw: &Gateway, core: &Core, mode: RunMode, until: Until, call_id: u64) -> Result<Ended, Error> {
    gw.check_thread()?;
    if gw.entered_on_this_thread() {
        return Err(Error::new(
            Status::WrongThread,
            "run() called from inside a callback of the same runtime",
        ));
    }
    if gw.is_closed() {
        return Err(gw.closed_error());
    }
    if core.loop_state.running.swap(true, Ordering::SeqCst) {
        return Err(Error::new(
            Status::WrongThread,
            "the loop is already running on another thread",
        ));
    }
    let _running = ResetOnDrop(&core.loop_state.running);
    core.sinks.take_first_error();
    gw.calls().begin_loop(call_id)?;
    let ended = {
        // Dropped before `end_loop`: giving the state back may wait for
        // another thread's call, which a stop of the loop must not miss.
        let _parked = gw.park_here();
        gw.with_current_call(call_id, || run_turns(gw, core, mode, until))
    };
    gw.calls().end_loop();
    ended
}

/// Loop turns run back to back under one lock at most (see `run_turns`).
const TURNS_PER_LOCK: u32 = 64;

fn run_turns(gw: &Gateway, core: &Core, mode: RunMode, until: Until) -> Result<Ended, Error> {
    // As uv_run: with nothing referenced pending, run nothing at all
    // (an unref'd immediate or due unref'd timer does not fire).
    if !alive(core) {
        return Ok(Ended::Idle);
    }
    let mut waited = false;
    loop {
        let (alive, did_work, wait, done) = gw.enter(Call::LoopTurn, |scope| {
            let mut turns = 0;
            loop {
                let (alive, did_work, wait) = turn(gw, core, scope)?;
                let done = until.is_some_and(|done| done(scope));
                turns += 1;
                // Ready again at once (an immediate is queued) and nobody
                // waits for the runtime: the next turn keeps the lock
                // (giving it back and taking it again was a fifth of a
                // setImmediate hop), a bounded number of times.
                let again = mode == RunMode::Default
                    && alive
                    && !done
                    && wait == Some(Duration::ZERO)
                    && turns < TURNS_PER_LOCK
                    && !gw.calls().loop_stopped()
                    && !gw.is_closed()
                    && !gw.calls().others_waiting();
                if !again {
                    return Ok::<_, Error>((alive, did_work, wait, done));
                }
                // What entering the gate does: references dropped on
                // other threads are released.
                core.refs.collect();
            }
        })??;
        if gw.calls().loop_stopped() {
            return Err(Error::new(Status::Terminated, "event loop terminated"));
        }
        if gw.is_closed() {
            return Err(gw.closed_error());
        }
        match mode {
            _ if done => return Ok(Ended::Done),
            _ if !alive => return Ok(Ended::Idle),
            RunMode::NoWait => return Ok(Ended::Alive),
            RunMode::Once if did_work || waited => return Ok(Ended::Alive),
            _ => {}
        }
        if wait != Some(Duration::ZERO) {
            // Waits are capped so liveness is re-checked now and then:
            // a wake-up that went missing costs latency, never a hang.
            let cap = Duration::from_millis(250);
            core.inbox.wait(Some(wait.map_or(cap, |w| w.min(cap))));
            waited = true;
        } else {
            gw.calls().let_waiters_in();
        }
    }
}

/// Whether the loop has referenced work: timers or immediates, what
/// `Liveness` counts, or events posted and not handled yet.
fn alive(core: &Core) -> bool {
    // Events posted meanwhile (say, the last payloads of a notifier that
    // just closed) keep the loop going for one more turn.
    core.inbox.has_pending() || core.timers().any_refed() || core.liveness.any()
}

/// One turn of the loop: due timers, posted events, immediates, each
/// callback followed by its microtasks; a stop between two callbacks
/// leaves the rest for the next run. Returns (alive, did any work, how
/// long the loop may wait).
fn turn(gw: &Gateway, core: &Core, scope: &mut v8::PinScope) -> Result<(bool, bool, Option<Duration>), Error> {
    settle_owed(scope, core);
    let stopped = || gw.calls().loop_stopped();
    let mut did_work = false;
    let now = Timers::now();
    let mut timers = TimerPhase::default();
    let mut ran = false;
    while !stopped() {
        let step = core.timers().step(&mut timers, now);
        match step {
            TimerStep::Done => break,
            TimerStep::Checkpoint => checkpoint(scope, core),
            TimerStep::Run(id, repeats, trigger) => {
                did_work = true;
                ran = true;
                let ty = if repeats {
                    AsyncType::Interval
                } else {
                    AsyncType::Timeout
                };
                let threw = fire(gw, core, scope, id, ty, trigger);
                if repeats {
                    core.timers().rearm(id);
                }
                if threw? {
                    timers.restart();
                }
            }
        }
    }
    if ran {
        checkpoint(scope, core);
    }
    let mut events = core.inbox.drain().into_iter();
    while let Some(event) = events.next() {
        if stopped() {
            core.inbox.unshift(std::iter::once(event).chain(events));
            break;
        }
        did_work = true;
        if let Err(e) = handle_event(gw, core, scope, event) {
            core.inbox.unshift(events);
            return Err(e);
        }
    }
    let mut budget = core.timers().immediates_queued();
    let mut phase = ImmediatePhase::default();
    while !stopped() {
        phase.before_next(core, scope);
        let Some((id, trigger)) = core.timers().pop_immediate(&mut budget) else {
            break;
        };
        did_work = true;
        phase.ran(fire(gw, core, scope, id, AsyncType::Immediate, trigger)?);
    }
    phase.end(core, scope);
    // V8's own tasks (FinalizationRegistry callbacks among them): before
    // the loop would wait, and at least every millisecond while busy
    // (pumping costs ~1,700 instructions, too much for every turn). They
    // run JS but do not keep the loop alive.
    let now = Instant::now();
    let due = {
        let mut last = core.loop_state.pumped.lock().unwrap_or_else(|e| e.into_inner());
        let due = !did_work || now.duration_since(*last) >= Duration::from_millis(1);
        if due {
            *last = now;
        }
        due
    };
    if due && crate::platform::run_pending_tasks(scope) {
        did_work = true;
        checkpoint(scope, core);
    }
    let alive = alive(core);
    let mut timers = core.timers();
    let wait = if timers.has_immediates() || core.inbox.has_pending() {
        Some(Duration::ZERO)
    } else {
        timers.next_due()
    };
    Ok((alive, did_work, wait))
}

/// Run timer or immediate `id` (of type `ty`, created by `trigger`); a
/// one-shot is destroyed after. Ok(true): it threw (reported).
fn fire(
    gw: &Gateway,
    core: &Core,
    scope: &mut v8::PinScope,
    id: u64,
    ty: AsyncType,
    trigger: u64,
) -> Result<bool, Error> {
    let fire = match &*core.dispatch() {
        Some(d) => v8::Local::new(scope, &d.fire),
        None => return Ok(false),
    };
    let result = async_hooks::run_as(scope, core, id, trigger, ty, |scope| {
        let id = v8::Number::new(scope, id as f64).into();
        isolate::call_function(scope, gw.vm(), fire, &[id])
    });
    if ty != AsyncType::Interval {
        async_hooks::destroy(scope, core, id, ty);
    }
    callback_done(core, result)
}

/// After a callback: report what it threw (the loop goes on; Ok(true)) and
/// stop the loop only for termination. Its microtasks are the caller's to
/// run (see the phases).
fn callback_done(core: &Core, result: Result<(), Error>) -> Result<bool, Error> {
    match result {
        Err(e) if matches!(e.kind, Status::Terminated | Status::HeapLimit) => Err(e),
        Err(e) => {
            core.report(e);
            Ok(true)
        }
        Ok(()) => Ok(false),
    }
}

/// A callback outside the timer and immediate phases (work, a host
/// promise, a notifier payload): its microtasks run right after it.
pub(crate) fn event_done(scope: &mut v8::PinScope, core: &Core, result: Result<(), Error>) -> Result<(), Error> {
    let outcome = callback_done(core, result);
    if outcome.is_ok() {
        checkpoint(scope, core);
    }
    outcome.map(|_| ())
}

fn handle_event(gw: &Gateway, core: &Core, scope: &mut v8::PinScope, event: Event) -> Result<(), Error> {
    let done = match event {
        Event::Notify(id) => {
            let stopped = || gw.calls().loop_stopped();
            return notifier::deliver(scope, core, gw.vm(), id, &stopped);
        }
        Event::WorkDone(id) => work::complete(scope, core, id),
        Event::Settle(id) => host::settle_event(scope, core, id),
        Event::Inspector => {
            core.inspector.pump();
            return Ok(());
        }
    };
    match done {
        Some(result) => event_done(scope, core, result),
        None => Ok(()),
    }
}

/// The microtask checkpoint after a call or callback, then the rejections
/// still unhandled once it ran.
pub(crate) fn checkpoint(scope: &mut v8::PinScope, core: &Core) {
    async_hooks::run_microtasks(scope, core);
    natives::report_rejections(scope, core);
}

/// The end of a host call that returned `result` (converted as `conv`
/// says): a Promise handed to the host is claimed, then the microtasks
/// run. A rejection they leave unhandled is the call's error, as an
/// uncaught exception would be (Node's default, `--unhandled-rejections=
/// throw`, makes it the process's error); more than one: the others go
/// to the error sink.
pub(crate) fn call_done(
    scope: &mut v8::PinScope,
    core: &Core,
    result: v8::Local<v8::Value>,
    conv: Conv,
) -> Result<(), Error> {
    if conv.refs.is_some() {
        if let Ok(promise) = v8::Local::<v8::Promise>::try_from(result) {
            core.rejections.claim(scope, promise);
        }
    }
    async_hooks::run_microtasks(scope, core);
    match natives::first_rejection(scope, core, conv.refs) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// Run what a call that threw left queued (see `LoopState::owed`).
pub(crate) fn settle_owed(scope: &mut v8::PinScope, core: &Core) {
    if core.loop_state.owed.swap(false, Ordering::SeqCst) {
        checkpoint(scope, core);
    }
}

/// A call that threw (not one that was stopped) leaves its microtasks to
/// the next entry.
pub(crate) fn note_throw<T>(core: &Core, result: &Result<T, Error>) {
    if let Err(e) = result {
        if !matches!(e.kind, Status::Terminated | Status::HeapLimit) {
            core.loop_state.owed.store(true, Ordering::SeqCst);
        }
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
    fn before_next(&mut self, core: &Core, scope: &mut v8::PinScope) {
        if self.pending && !self.skip {
            checkpoint(scope, core);
            self.pending = false;
        }
    }

    fn ran(&mut self, threw: bool) {
        self.pending = true;
        self.skip = threw;
    }

    fn end(&mut self, core: &Core, scope: &mut v8::PinScope) {
        if self.pending {
            checkpoint(scope, core);
            self.pending = false;
        }
    }
}
