//! CPU profiles that follow the runtime from thread to thread.
//!
//! V8's sampler signals the one thread that started the profile, and drops
//! the samples taken while another thread holds the isolate: a Go program
//! (whose calls run on whichever thread the goroutine is on) got a profile
//! of nothing. So while any session profiles, a ticker thread asks the
//! isolate for an interrupt every interval, and the interrupt takes the
//! sample on the thread running JS (V8's `CollectSample`). The thread that
//! started the profile is left to V8's own sampler, so no sample counts
//! twice. An interrupt is asked for again only once the last one ran, so
//! an idle runtime costs one pending request, not a backlog.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::error::{Error, Status};

/// V8's default sampling interval (`--cpu-profiler-sampling-interval`).
const DEFAULT_INTERVAL_US: u64 = 1000;

/// Intervals an interrupt may stay unserved before it is asked again.
const FIRST_PATIENCE: u32 = 4;

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A session's profiler, as its protocol messages set it.
#[derive(Clone, Copy)]
struct Session {
    interval_us: u64,
    /// Profiling, started on this thread (sampled by V8 itself).
    started_on: Option<ThreadId>,
}

/// Ticks while a profile runs.
struct Ticker {
    stop: Mutex<bool>,
    stopped: Condvar,
    interval: Mutex<Duration>,
}

/// A runtime's profiling state (in its inspector).
#[derive(Default)]
pub(crate) struct Profiling {
    sessions: Mutex<HashMap<u64, Session>>,
    ticker: Mutex<Option<Arc<Ticker>>>,
    /// An interrupt is asked for and has not run yet.
    pending: Arc<AtomicBool>,
    /// V8 samples this thread itself; the others are ours.
    v8_samples: Mutex<Option<ThreadId>>,
    handle: Mutex<Option<v8::IsolateHandle>>,
}

impl Profiling {
    /// The isolate to interrupt (once the inspector exists).
    pub(crate) fn bind(&self, handle: v8::IsolateHandle) {
        *locked(&self.handle) = Some(handle);
    }

    /// Before session `id`'s message is dispatched, on the thread that
    /// dispatches it: follow what it does to the profiler.
    pub(crate) fn before_dispatch(&self, id: u64, msg: &str) {
        if !msg.contains("\"Profiler.") {
            return;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(msg) else {
            return;
        };
        let mut sessions = locked(&self.sessions);
        let session = sessions.entry(id).or_insert(Session {
            interval_us: DEFAULT_INTERVAL_US,
            started_on: None,
        });
        match value.get("method").and_then(|m| m.as_str()) {
            Some("Profiler.setSamplingInterval") => {
                if let Some(us) = value.pointer("/params/interval").and_then(|i| i.as_u64()) {
                    session.interval_us = us.max(1);
                }
            }
            Some("Profiler.start") => session.started_on = Some(std::thread::current().id()),
            Some("Profiler.stop") | Some("Profiler.disable") => session.started_on = None,
            _ => return,
        }
        self.retune(&sessions);
    }

    /// Session `id` is gone (its profile with it).
    pub(crate) fn forget(&self, id: u64) {
        let mut sessions = locked(&self.sessions);
        if sessions.remove(&id).is_some() {
            self.retune(&sessions);
        }
    }

    /// Start, re-time or stop the ticker for the sessions profiling now.
    fn retune(&self, sessions: &HashMap<u64, Session>) {
        let profiling: Vec<&Session> = sessions.values().filter(|s| s.started_on.is_some()).collect();
        // One profiling thread is V8's to sample; with several profiles
        // on different threads, every thread is sampled here.
        let mut threads = profiling.iter().filter_map(|s| s.started_on);
        let first = threads.next();
        *locked(&self.v8_samples) = first.filter(|t| threads.all(|u| u == *t));
        let mut ticker = locked(&self.ticker);
        let Some(interval_us) = profiling.iter().map(|s| s.interval_us).min() else {
            if let Some(t) = ticker.take() {
                *locked(&t.stop) = true;
                t.stopped.notify_all();
            }
            return;
        };
        let interval = Duration::from_micros(interval_us);
        if let Some(t) = ticker.as_ref() {
            *locked(&t.interval) = interval;
            return;
        }
        let Some(handle) = locked(&self.handle).clone() else {
            return;
        };
        let t = Arc::new(Ticker {
            stop: Mutex::new(false),
            stopped: Condvar::new(),
            interval: Mutex::new(interval),
        });
        let pending = Arc::clone(&self.pending);
        let tick = Arc::clone(&t);
        let spawned = std::thread::Builder::new()
            .name("v8r-profiler".into())
            .spawn(move || tick.run(&handle, &pending));
        if spawned.is_ok() {
            *ticker = Some(t);
        }
    }

    /// Stop ticking (the runtime closes).
    pub(crate) fn dispose(&self) {
        let mut sessions = locked(&self.sessions);
        sessions.clear();
        self.retune(&sessions);
    }

    /// In the interrupt, on the thread that runs JS.
    fn sample(&self, isolate: &mut v8::Isolate) {
        self.pending.store(false, Ordering::SeqCst);
        let current = std::thread::current().id();
        if *locked(&self.v8_samples) != Some(current) {
            isolate.collect_cpu_profiler_sample(None);
        }
    }
}

impl Ticker {
    fn run(&self, handle: &v8::IsolateHandle, pending: &AtomicBool) {
        // V8 drops a thread's interrupts when another thread takes the
        // isolate, and serves none while no JS runs: a request not served
        // in `patience` intervals is made again, with twice the patience
        // each time, so an idle runtime queues a handful, not thousands.
        let mut asked: Option<(Instant, u32)> = None;
        let mut stop = locked(&self.stop);
        loop {
            let interval = *locked(&self.interval);
            stop = self
                .stopped
                .wait_timeout(stop, interval)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if *stop {
                return;
            }
            let patience = match asked {
                Some((at, patience)) if pending.load(Ordering::SeqCst) => {
                    if at.elapsed() < interval * patience {
                        continue;
                    }
                    patience.saturating_mul(2)
                }
                _ => FIRST_PATIENCE,
            };
            pending.store(true, Ordering::SeqCst);
            if !handle.request_interrupt(interrupt, std::ptr::null_mut()) {
                return; // the isolate is gone
            }
            asked = Some((Instant::now(), patience));
        }
    }
}

unsafe extern "C" fn interrupt(mut isolate: v8::UnsafeRawIsolatePtr, _data: *mut std::ffi::c_void) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: V8 passes the isolate whose interrupt this is, on the
        // thread that holds it.
        let isolate = unsafe { v8::Isolate::ref_from_raw_isolate_ptr_mut(&mut isolate) };
        if let Some(core) = crate::natives::core_of(isolate) {
            core.inspector.profiling.sample(isolate);
        }
    }));
}

/// A CPU profile's JSON (`.cpuprofile`) out of the protocol's answer to
/// `Profiler.stop`. Each node's `hitCount` is counted from the samples:
/// V8 leaves it at 0 for the samples taken by `CollectSample`.
pub(crate) fn profile_of(answer: &str) -> Result<String, Error> {
    let mut v: serde_json::Value =
        serde_json::from_str(answer).map_err(|e| Error::new(Status::Internal, format!("profiler answer: {e}")))?;
    if let Some(err) = v.get("error") {
        return Err(Error::new(Status::Internal, format!("profiler: {err}")));
    }
    let profile = v
        .pointer_mut("/result/profile")
        .ok_or_else(|| Error::new(Status::Internal, "profiler answer without a profile"))?;
    let mut hits: HashMap<u64, u64> = HashMap::new();
    if let Some(samples) = profile.get("samples").and_then(|s| s.as_array()) {
        for id in samples.iter().filter_map(|s| s.as_u64()) {
            *hits.entry(id).or_default() += 1;
        }
    }
    if let Some(nodes) = profile.get_mut("nodes").and_then(|n| n.as_array_mut()) {
        for node in nodes {
            let id = node.get("id").and_then(|i| i.as_u64()).unwrap_or(0);
            node["hitCount"] = hits.get(&id).copied().unwrap_or(0).into();
        }
    }
    Ok(profile.to_string())
}

/// V8's sampler puts back the SIGPROF disposition it found when the last
/// profile stops, and a sample signal still in flight then meets it: left
/// at SIG_DFL, that kills the process ("Profiling timer expired", seen in
/// one run in thirty of a start/stop test). A process with no SIGPROF
/// handler of its own (Go has one) gets one that does nothing; a handler
/// is reset by exec, unlike SIG_IGN, so children are unaffected.
pub(crate) fn late_profiler_signals_are_harmless() {
    extern "C" fn ignore(_: libc::c_int) {}
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sigaction with valid pointers; the handler is async-signal-safe.
        unsafe {
            let mut found: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGPROF, std::ptr::null(), &mut found) != 0 || found.sa_sigaction != libc::SIG_DFL
            {
                return;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGPROF, &action, std::ptr::null_mut());
        }
    });
}
