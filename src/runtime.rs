//! A runtime: one isolate + one context whose state persists across calls.
//!
//! Threads. The isolate is a `SharedIsolate`, entered with a `v8::Locker`
//! for each call, so the calling thread runs the script itself: no thread
//! hand-off (measured at 14-90 us per call on this machine, against about
//! 0.5 us for the lock). Two modes:
//! * owner-thread (the default, libuv's model): only the creating thread
//!   may call; any other thread gets `Status::WrongThread`;
//! * any-thread: any thread may call, one call at a time (the others wait
//!   for the lock). The Go package uses this, since goroutines move between
//!   OS threads.
//!
//! `terminate` and `close` may be called from any thread in both modes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Status};
use crate::isolate::{self, HeapLimits, Vm, Want};
use crate::values::Value;

/// How a runtime is created.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    pub heap: HeapLimits,
    /// Shown in error messages and used as the default resource name.
    pub name: String,
    /// Allow calls from any thread (serialised), not only the creator.
    pub any_thread: bool,
}

/// A small per-thread number, never reused, to tell threads apart.
fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

#[derive(Default)]
struct CallState {
    /// Id of the running call (`Some(0)` for a call without an id).
    running: Option<u64>,
    /// Id of a call to stop as soon as it starts (set by `terminate_call`).
    stop: Option<u64>,
}

pub struct Runtime {
    /// The context; the mutex also serialises calls and gives `&mut` access.
    context: Mutex<Option<v8::Global<v8::Context>>>,
    /// `Some(thread)` in owner-thread mode.
    owner: Option<u64>,
    closed: AtomicBool,
    /// Thread currently running a call (0 = none), to refuse re-entry
    /// instead of deadlocking on our own mutex.
    running_on: AtomicU64,
    /// Which call runs now and which one a caller asked to stop, so a
    /// cancellation hits its own call and never a later one.
    calls: Mutex<CallState>,
    name: String,
    handle: v8::IsolateHandle,
    /// Last field: the isolate is disposed after everything that refers to it.
    vm: Vm,
}

impl Runtime {
    /// Create a runtime on the calling thread.
    pub fn new(options: RuntimeOptions) -> Result<Runtime, Error> {
        let vm = Vm::new(options.heap)?;
        let context = {
            let mut locked = vm.lock()?;
            let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
            let scope = scope.init();
            let context = v8::Context::new(&scope, Default::default());
            v8::Global::new(&scope, context)
        };
        let name = if options.name.is_empty() {
            "v8runner".to_string()
        } else {
            options.name
        };
        Ok(Runtime {
            context: Mutex::new(Some(context)),
            owner: if options.any_thread { None } else { Some(thread_token()) },
            closed: AtomicBool::new(false),
            running_on: AtomicU64::new(0),
            calls: Mutex::new(CallState::default()),
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

    /// Evaluate a classic script in the runtime's context; globals it
    /// defines stay for later calls. An empty `resource_name` uses the
    /// runtime's name. `call_id` (0 for none) lets [`Runtime::terminate_call`]
    /// stop this call and no other.
    pub fn eval(&self, source: &str, resource_name: &str, call_id: u64) -> Result<Value, Error> {
        self.check_thread()?;
        let me = thread_token();
        if self.running_on.load(Ordering::SeqCst) == me {
            return Err(Error::new(
                Status::WrongThread,
                "re-entrant call: this thread is already running a call on this runtime",
            ));
        }
        let guard = self.context.lock().unwrap_or_else(|e| e.into_inner());
        let Some(context) = guard.as_ref() else {
            return Err(self.closed_error());
        };
        if self.is_closed() {
            return Err(self.closed_error());
        }
        self.running_on.store(me, Ordering::SeqCst);
        let result = self.eval_locked(context, source, resource_name, call_id);
        self.running_on.store(0, Ordering::SeqCst);
        if let Err(e) = &result {
            if e.kind == Status::HeapLimit {
                self.closed.store(true, Ordering::SeqCst);
            }
        }
        result
    }

    fn eval_locked(
        &self,
        context: &v8::Global<v8::Context>,
        source: &str,
        resource_name: &str,
        call_id: u64,
    ) -> Result<Value, Error> {
        let mut locked = self.vm.lock()?;
        if !self.begin_call(call_id) {
            return Err(Error::new(Status::Terminated, "execution terminated before it started"));
        }
        let scope = std::pin::pin!(v8::HandleScope::new(&mut *locked));
        let mut scope = scope.init();
        let context = v8::Local::new(&scope, context);
        let scope = &mut v8::ContextScope::new(&mut scope, context);
        let name = if resource_name.is_empty() {
            self.name.as_str()
        } else {
            resource_name
        };
        let result = isolate::run_script(scope, &self.vm, source, name, Want::Typed);
        self.end_call();
        // A termination aimed at this call (even one that arrived after the
        // script finished) must not hit the next call; the runtime stays
        // usable. Safe to clear: end_call() already stopped new requests
        // from targeting this call.
        scope.cancel_terminate_execution();
        result
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

    /// Stop the script running now, if any. Any thread, any time.
    pub fn terminate(&self) {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.running.is_some() {
            self.handle.terminate_execution();
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
            self.handle.terminate_execution();
        } else {
            calls.stop = Some(call_id);
        }
    }

    /// Mark closed and stop what runs; later calls fail with `Closed`. The
    /// isolate itself is disposed when the last reference is dropped.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if self.running_on.load(Ordering::SeqCst) != 0 {
            self.handle.terminate_execution();
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
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Release the context under the lock so teardown finds no pending
        // handle resets; if this thread is inside another isolate the crate
        // cannot lock here, and the isolate's own teardown releases it.
        let context = self.context.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(context) = context {
            match self.vm.lock() {
                Ok(locked) => {
                    drop(context);
                    drop(locked);
                }
                Err(_) => drop(context),
            }
        }
    }
}
