//! The classic one-shot call: run a script in a fresh context and return
//! `String(result)`.
//!
//! Isolates come from a process-wide pool with checkout. Why a pool and not
//! one isolate per thread: Go gives every blocked cgo call its own OS thread,
//! so "one per thread" would mean one isolate (several MB each) per thread
//! that ever called, for as long as the thread lives. The pool holds at most
//! `cap` isolates (default: the number of cores, or `V8RUNNER_ISOLATES`);
//! callers beyond that wait for one to come back, which costs nothing in
//! throughput since the work is CPU-bound anyway. Each checkout has the
//! isolate to itself (no global lock around script execution); each call
//! gets a fresh context, so nothing leaks from one call to the next.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

use crate::entry::EarlyStops;
use crate::error::{Error, Status};
use crate::isolate::{self, HeapLimits, Vm, Want};
use crate::value::Value;
use crate::watchdog;

/// Resource name used in error locations of one-shot scripts.
pub const RESOURCE_NAME: &str = "runv8";

/// How one one-shot call may be stopped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Stop the call (waiting for an isolate included) after this long:
    /// it then fails with `Timeout`. None: the process default.
    pub timeout: Option<Duration>,
    /// Non-zero: [`terminate`] with this id stops the call (`Terminated`);
    /// unique in the process.
    pub call_id: u64,
}

struct Pool {
    state: Mutex<PoolState>,
    returned: Condvar,
    cap: usize,
}

struct PoolState {
    idle: Vec<Vm>,
    live: usize,
}

/// One-shot calls that can be stopped, by ticket: those waiting for an
/// isolate, and running ones with their isolate's handle.
#[derive(Default)]
struct Calls {
    waiting: HashMap<u64, Waiting>,
    running: HashMap<u64, Running>,
    /// call id -> ticket, for `terminate`.
    ids: HashMap<u64, u64>,
    early: EarlyStops,
}

struct Waiting {
    stopped: Option<Status>,
}

struct Running {
    handle: v8::IsolateHandle,
    /// Why it was stopped, once it was.
    stopped: Option<Status>,
}

static POOL: Lazy<Pool> = Lazy::new(|| {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let cap = std::env::var("V8RUNNER_ISOLATES")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(cores);
    Pool {
        state: Mutex::new(PoolState {
            idle: Vec::new(),
            live: 0,
        }),
        returned: Condvar::new(),
        cap,
    }
});

static CALLS: Lazy<Mutex<Calls>> = Lazy::new(Default::default);
static NEXT_TICKET: AtomicU64 = AtomicU64::new(1);
/// The process default timeout in ms (0: none); from
/// `V8RUNNER_RUNV8_TIMEOUT_MS` until set.
static DEFAULT_TIMEOUT_MS: Lazy<AtomicU64> = Lazy::new(|| {
    let ms = std::env::var("V8RUNNER_RUNV8_TIMEOUT_MS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    AtomicU64::new(ms)
});

fn calls() -> std::sync::MutexGuard<'static, Calls> {
    CALLS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The most isolates the one-shot pool keeps alive at once.
pub fn pool_capacity() -> usize {
    POOL.cap
}

/// How many pooled isolates exist right now (idle or checked out).
pub fn pool_live() -> usize {
    POOL.state.lock().unwrap_or_else(|e| e.into_inner()).live
}

/// The heap statistics of the pool's idle isolates, summed (one in use by
/// a call is skipped: only its call may touch it), and how many were
/// counted.
pub fn pool_heap_stats() -> (crate::observe::HeapStats, usize) {
    let state = POOL.state.lock().unwrap_or_else(|e| e.into_inner());
    let mut sum = crate::observe::HeapStats::default();
    let mut counted = 0;
    for vm in &state.idle {
        // Fails only on a thread inside another isolate: then none count.
        let Ok(mut locked) = vm.lock() else { break };
        let s = crate::observe::heap_stats(&mut locked, vm);
        counted += 1;
        sum.used += s.used;
        sum.total += s.total;
        sum.limit += s.limit;
        sum.physical += s.physical;
        sum.available += s.available;
        sum.external += s.external;
        sum.malloced += s.malloced;
        sum.array_buffers += s.array_buffers;
        sum.native_contexts += s.native_contexts;
        sum.detached_contexts += s.detached_contexts;
    }
    (sum, counted)
}

/// Set the timeout of one-shot calls that give none (`None`: no limit).
pub fn set_default_timeout(timeout: Option<Duration>) {
    let ms = timeout.map_or(0, |t| t.as_millis().clamp(1, u64::MAX as u128) as u64);
    DEFAULT_TIMEOUT_MS.store(ms, Ordering::SeqCst);
}

fn default_timeout() -> Option<Duration> {
    match DEFAULT_TIMEOUT_MS.load(Ordering::SeqCst) {
        0 => None,
        ms => Some(Duration::from_millis(ms)),
    }
}

/// Stop the one-shot call started with `call_id`: now if it runs or waits
/// for an isolate, or as soon as it starts. Any thread.
pub fn terminate(call_id: u64) {
    if call_id == 0 {
        return;
    }
    let mut calls = calls();
    match calls.ids.get(&call_id).copied() {
        Some(ticket) => stop(&mut calls, ticket, Status::Terminated),
        None => calls.early.remember(call_id),
    }
}

/// Stop call `ticket` for `why`, with the registry locked (so the call
/// cannot end and its isolate go to another call meanwhile).
fn stop(calls: &mut Calls, ticket: u64, why: Status) {
    if let Some(w) = calls.waiting.get_mut(&ticket) {
        w.stopped.get_or_insert(why);
        POOL.returned.notify_all();
    } else if let Some(r) = calls.running.get_mut(&ticket) {
        r.stopped.get_or_insert(why);
        r.handle.terminate_execution();
    }
}

fn stopped_error(why: Status, limits: &Limits) -> Error {
    match why {
        Status::Timeout => Error::new(
            Status::Timeout,
            format!(
                "runv8 ran out of time ({} ms)",
                limits.timeout.unwrap_or_default().as_millis()
            ),
        ),
        _ => Error::new(Status::Terminated, "execution terminated"),
    }
}

/// An isolate of the pool for call `ticket`, waiting (until it is stopped)
/// while all are in use.
fn checkout(ticket: u64, limits: &Limits) -> Result<Vm, Error> {
    let pool = &*POOL;
    let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(why) = calls().waiting.get(&ticket).and_then(|w| w.stopped) {
            return Err(stopped_error(why, limits));
        }
        if let Some(vm) = state.idle.pop() {
            return Ok(vm);
        }
        if state.live < pool.cap {
            state.live += 1;
            drop(state);
            // V8 shares one read-only heap per process: once an isolate
            // started from a v8runner snapshot, a new one must too.
            let start = crate::snapshot::builtin().map_or(crate::isolate::Start::V8, crate::isolate::Start::Snapshot);
            return Vm::new(HeapLimits::default(), start).inspect_err(|_| {
                pool.state.lock().unwrap_or_else(|e| e.into_inner()).live -= 1;
                pool.returned.notify_one();
            });
        }
        // Bounded: a stop does not take the pool's lock (it holds the
        // registry's), so its wake-up can come just before this wait.
        state = pool
            .returned
            .wait_timeout(state, Duration::from_millis(50))
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

fn checkin(vm: Vm) {
    let pool = &*POOL;
    let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    if vm.heap_limit_hit() {
        // A spent isolate is disposed; the next caller creates a fresh one.
        state.live -= 1;
        drop(state);
        drop(vm);
    } else {
        state.idle.push(vm);
        drop(state);
    }
    pool.returned.notify_all();
}

/// Run `source` on a pooled isolate in a fresh context; return
/// `String(completion value)`, with the process default timeout.
pub fn run_to_string(source: &str) -> Result<String, Error> {
    run_with(source, Limits::default())
}

/// [`run_to_string`] with `limits`.
///
/// Any thread may call this at any time. On a thread that is already inside
/// a v8runner isolate (a host callback calling `runv8`), the V8 crate cannot
/// enter a second isolate, so the call runs on a short-lived helper thread.
pub fn run_with(source: &str, limits: Limits) -> Result<String, Error> {
    if source.is_empty() {
        return Err(Error::bad_input("empty script"));
    }
    if isolate::thread_in_isolate() {
        let source = source.to_owned();
        return std::thread::spawn(move || run_with(&source, limits))
            .join()
            .unwrap_or_else(|p| Err(Error::new(Status::Internal, crate::error::panic_message(&*p))));
    }
    let limits = Limits {
        timeout: limits.timeout.or_else(default_timeout),
        ..limits
    };
    let ticket = NEXT_TICKET.fetch_add(1, Ordering::Relaxed);
    {
        let mut calls = calls();
        if calls.early.take(limits.call_id) {
            return Err(stopped_error(Status::Terminated, &limits));
        }
        calls.waiting.insert(ticket, Waiting { stopped: None });
        if limits.call_id != 0 {
            calls.ids.insert(limits.call_id, ticket);
        }
    }
    let _deadline = limits
        .timeout
        .map(|t| watchdog::arm(Instant::now() + t, move || stop(&mut calls(), ticket, Status::Timeout)));
    let result = run_ticket(source, ticket, &limits);
    let mut calls = calls();
    calls.waiting.remove(&ticket);
    calls.running.remove(&ticket);
    if limits.call_id != 0 {
        calls.ids.remove(&limits.call_id);
    }
    result
}

fn run_ticket(source: &str, ticket: u64, limits: &Limits) -> Result<String, Error> {
    let vm = checkout(ticket, limits)?;
    {
        let mut calls = calls();
        let stopped = calls.waiting.remove(&ticket).and_then(|w| w.stopped);
        calls.running.insert(
            ticket,
            Running {
                handle: vm.handle(),
                stopped: None,
            },
        );
        if let Some(why) = stopped {
            drop(calls);
            checkin(vm);
            return Err(stopped_error(why, limits));
        }
    }
    let result = run_in_fresh_context(&vm, source, ticket);
    // Out of the registry before the isolate goes back: no stop for this
    // call can reach the next one.
    let stopped = calls().running.remove(&ticket).and_then(|r| r.stopped);
    checkin(vm);
    match (result, stopped) {
        (Err(e), Some(why)) if e.kind == Status::Terminated => Err(stopped_error(why, limits)),
        (result, _) => result,
    }
}

fn run_in_fresh_context(vm: &Vm, source: &str, ticket: u64) -> Result<String, Error> {
    let mut locked = vm.lock()?;
    // A stop that came after the last call on this isolate ended; but one
    // for this call (that V8 may have dropped while the lock changed
    // hands) must stand.
    locked.cancel_terminate_execution();
    if calls().running.get(&ticket).is_some_and(|r| r.stopped.is_some()) {
        return Err(Error::new(Status::Terminated, "execution terminated"));
    }
    let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
    let mut scope = scope.init();
    // From the built-in snapshot's bare context when the isolate has one.
    let context = vm
        .bare_context()
        .and_then(|i| v8::Context::from_snapshot(&scope, i, Default::default()))
        .unwrap_or_else(|| v8::Context::new(&scope, Default::default()));
    let scope = &mut v8::ContextScope::new(&mut scope, context);
    let checkpoint = |scope: &mut v8::PinScope, _: v8::Local<v8::Value>| {
        scope.perform_microtask_checkpoint();
        Ok(())
    };
    match isolate::run_script(scope, vm, source, RESOURCE_NAME, Want::Text, None, checkpoint)? {
        Value::String(s) => Ok(s),
        other => Err(Error::new(Status::Internal, format!("expected text, got {other:?}"))),
    }
}
