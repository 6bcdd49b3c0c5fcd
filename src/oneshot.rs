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

use std::sync::{Condvar, Mutex};

use once_cell::sync::Lazy;

use crate::error::{Error, Status};
use crate::isolate::{self, HeapLimits, Vm, Want};
use crate::values::Value;

/// Resource name used in error locations of one-shot scripts.
pub const RESOURCE_NAME: &str = "runv8";

struct Pool {
    state: Mutex<PoolState>,
    returned: Condvar,
    cap: usize,
}

struct PoolState {
    idle: Vec<Vm>,
    live: usize,
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

/// The most isolates the one-shot pool keeps alive at once.
pub fn pool_capacity() -> usize {
    POOL.cap
}

/// How many pooled isolates exist right now (idle or checked out).
pub fn pool_live() -> usize {
    POOL.state.lock().unwrap_or_else(|e| e.into_inner()).live
}

fn checkout() -> Result<Vm, Error> {
    let pool = &*POOL;
    let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(vm) = state.idle.pop() {
            return Ok(vm);
        }
        if state.live < pool.cap {
            state.live += 1;
            drop(state);
            return Vm::new(HeapLimits::default()).inspect_err(|_| {
                pool.state.lock().unwrap_or_else(|e| e.into_inner()).live -= 1;
                pool.returned.notify_one();
            });
        }
        state = pool.returned.wait(state).unwrap_or_else(|e| e.into_inner());
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
    pool.returned.notify_one();
}

/// Run `source` on a pooled isolate in a fresh context; return
/// `String(completion value)`.
///
/// Any thread may call this at any time. On a thread that is already inside
/// a v8runner isolate (a host callback calling `runv8`), the V8 crate cannot
/// enter a second isolate, so the call runs on a short-lived helper thread.
pub fn run_to_string(source: &str) -> Result<String, Error> {
    if source.is_empty() {
        return Err(Error::bad_input("empty script"));
    }
    if isolate::thread_in_isolate() {
        let source = source.to_owned();
        return std::thread::spawn(move || run_to_string(&source))
            .join()
            .unwrap_or_else(|p| Err(Error::new(Status::Internal, crate::error::panic_message(&*p))));
    }
    let vm = checkout()?;
    let result = run_in_fresh_context(&vm, source);
    checkin(vm);
    result
}

fn run_in_fresh_context(vm: &Vm, source: &str) -> Result<String, Error> {
    let mut locked = vm.lock()?;
    locked.cancel_terminate_execution();
    let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
    let mut scope = scope.init();
    let context = v8::Context::new(&scope, Default::default());
    let scope = &mut v8::ContextScope::new(&mut scope, context);
    let checkpoint = |scope: &mut v8::PinScope| scope.perform_microtask_checkpoint();
    match isolate::run_script(scope, vm, source, RESOURCE_NAME, Want::Text, checkpoint)? {
        Value::String(s) => Ok(s),
        other => Err(Error::new(Status::Internal, format!("expected text, got {other:?}"))),
    }
}
