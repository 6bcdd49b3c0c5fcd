//! What a runtime's subsystems share. Each field is a subsystem's own type,
//! which keeps its own invariants; `Core` only names them (deno's
//! `ContextState` shape). It lives in an `Arc`: V8 callbacks find it
//! through a stable address, and other threads post to it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::async_hooks::AsyncState;
use crate::error::Error;
use crate::event_loop::{Inbox, LoopState, Timers};
use crate::natives::{Dispatch, Rejections};
use crate::refs::Refs;
use crate::{host, notifier, work};

/// Level of a console message: log, debug, info, warn, error.
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

/// The embedder's sinks, and the first error reported since `run` began.
pub(crate) struct Sinks {
    console: ConsoleSink,
    on_error: Option<ErrorSink>,
    first_error: Mutex<Option<Error>>,
}

impl Sinks {
    pub(crate) fn new(console: Option<ConsoleSink>, on_error: Option<ErrorSink>) -> Sinks {
        Sinks {
            console: console.unwrap_or_else(default_console),
            on_error,
            first_error: Mutex::new(None),
        }
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

    /// The first error reported since the last call (and forget it).
    pub(crate) fn take_first_error(&self) -> Option<Error> {
        self.first_error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

fn default_console() -> ConsoleSink {
    Arc::new(|_level, text| {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    })
}

/// What keeps the loop alive, counted once (libuv's active handles and
/// requests): each pending work request, each unsettled host promise, each
/// open referenced notifier and each payload queued and not delivered yet.
#[derive(Default)]
pub(crate) struct Liveness(AtomicUsize);

impl Liveness {
    pub(crate) fn add(&self, n: usize) {
        self.0.fetch_add(n, Ordering::SeqCst);
    }

    pub(crate) fn remove(&self, n: usize) {
        self.0.fetch_sub(n, Ordering::SeqCst);
    }

    pub(crate) fn any(&self) -> bool {
        self.0.load(Ordering::SeqCst) > 0
    }
}

/// Embedder data released (its finalizers run) when the runtime goes.
#[derive(Default)]
pub(crate) struct Kept(Mutex<Vec<Box<dyn Send>>>);

impl Kept {
    pub(crate) fn keep(&self, item: Box<dyn Send>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(item);
    }

    /// Drop everything kept, on this thread.
    pub(crate) fn release(&self) {
        drop(std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner())));
    }
}

pub(crate) struct Core {
    /// The loop's door for other threads, its timers and its own state.
    pub(crate) inbox: Inbox,
    timers: Mutex<Timers>,
    pub(crate) loop_state: LoopState,
    pub(crate) liveness: Liveness,
    pub(crate) sinks: Sinks,
    pub(crate) rejections: Rejections,
    /// The prelude's functions the runtime calls (set once installed).
    dispatch: Mutex<Option<Dispatch>>,
    pub(crate) notifiers: notifier::Registry,
    pub(crate) work: work::Registry,
    pub(crate) hosts: host::Registry,
    pub(crate) hooks: AsyncState,
    /// Live values the host holds (released under the isolate lock).
    pub(crate) refs: Arc<Refs>,
    /// ES modules: the loader and every module compiled (module.rs).
    pub(crate) modules: crate::module::Modules,
    pub(crate) kept: Kept,
    /// V8's inspector, once DevTools or a CPU profile asked for it.
    pub(crate) inspector: crate::inspector::Inspector,
}

impl Core {
    pub(crate) fn new(sinks: Sinks) -> Core {
        Core {
            inbox: Inbox::new(),
            timers: Mutex::new(Timers::default()),
            loop_state: LoopState::default(),
            liveness: Liveness::default(),
            sinks,
            rejections: Rejections::default(),
            dispatch: Mutex::new(None),
            notifiers: notifier::Registry::default(),
            work: work::Registry::default(),
            hosts: host::Registry::default(),
            hooks: AsyncState::new(),
            refs: Arc::default(),
            modules: Default::default(),
            kept: Kept::default(),
            inspector: Default::default(),
        }
    }

    /// Timers; only touched with the isolate lock held, never across a callback.
    pub(crate) fn timers(&self) -> MutexGuard<'_, Timers> {
        self.timers.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn dispatch(&self) -> MutexGuard<'_, Option<Dispatch>> {
        self.dispatch.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Shorthand for `sinks.report`; DevTools sessions hear of it too.
    pub(crate) fn report(&self, err: Error) {
        self.inspector.exception_thrown(&err);
        self.sinks.report(err);
    }
}
