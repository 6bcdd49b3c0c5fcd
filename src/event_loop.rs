//! The event loop's data: the inbox other threads post to (with coalesced
//! wake-ups), and the timers/immediates of one runtime. The phases that run
//! callbacks live in `runtime.rs`, where the isolate is entered.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

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
#[allow(dead_code)] // posted by notifiers, the work pool and host promises (next steps)
pub(crate) enum Event {
    /// A notifier has payloads queued.
    Notify(u64),
    /// A pool work request finished (or was cancelled).
    WorkDone(u64),
    /// A host promise was settled.
    Settle(u64),
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

    #[allow(dead_code)] // see Event
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
    /// Interval length for setInterval; None for one-shots and immediates.
    repeat: Option<Duration>,
    immediate: bool,
}

/// Timers and immediates, by id (a timer's id is its async id). Same-time
/// timers fire in creation order (the heap orders by deadline, then seq).
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, u64)>>,
    active: HashMap<u64, TimerState>,
    immediates: VecDeque<(u64, u64)>,
    next_seq: u64,
}

impl Timers {
    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(crate) fn start(&mut self, id: u64, delay_ms: f64, repeat: bool) {
        let delay = Duration::from_secs_f64(delay_ms.clamp(1.0, 2_147_483_647.0) / 1000.0);
        let seq = self.seq();
        let refed = self.active.get(&id).map(|t| t.refed).unwrap_or(true);
        self.active.insert(
            id,
            TimerState {
                seq,
                refed,
                repeat: repeat.then_some(delay),
                immediate: false,
            },
        );
        self.heap.push(Reverse((Instant::now() + delay, seq, id)));
    }

    pub(crate) fn immediate(&mut self, id: u64) {
        let seq = self.seq();
        self.active.insert(
            id,
            TimerState {
                seq,
                refed: true,
                repeat: None,
                immediate: true,
            },
        );
        self.immediates.push_back((seq, id));
    }

    /// Forget timer `id`; whether it was live.
    pub(crate) fn stop(&mut self, id: u64) -> bool {
        self.active.remove(&id).is_some()
    }

    pub(crate) fn set_ref(&mut self, id: u64, refed: bool) {
        if let Some(t) = self.active.get_mut(&id) {
            t.refed = refed;
        }
    }

    pub(crate) fn has_ref(&self, id: u64) -> bool {
        self.active.get(&id).map(|t| t.refed).unwrap_or(false)
    }

    /// Timers due at `now`, in firing order, each with whether it repeats.
    /// Intervals are re-armed from `now`; one-shots are forgotten (their JS
    /// callback is dropped when fired). A timer cleared by an earlier
    /// callback of the same batch finds no JS callback and does nothing.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<(u64, bool)> {
        let mut due = Vec::new();
        while let Some(Reverse((deadline, seq, id))) = self.heap.peek().copied() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            let Some(t) = self.active.get(&id) else { continue };
            if t.seq != seq || t.immediate {
                continue; // stale entry: cleared or restarted since
            }
            let repeats = t.repeat.is_some();
            match t.repeat {
                Some(every) => {
                    let seq = self.seq();
                    if let Some(t) = self.active.get_mut(&id) {
                        t.seq = seq;
                    }
                    self.heap.push(Reverse((now + every, seq, id)));
                }
                None => {
                    self.active.remove(&id);
                }
            }
            due.push((id, repeats));
        }
        due
    }

    /// The immediates queued so far (those queued while they run wait for
    /// the next turn, as in Node).
    pub(crate) fn take_immediates(&mut self) -> Vec<u64> {
        let queued: Vec<_> = self.immediates.drain(..).collect();
        queued
            .into_iter()
            .filter(|&(seq, id)| match self.active.get(&id) {
                Some(t) if t.seq == seq => {
                    self.active.remove(&id);
                    true
                }
                _ => false,
            })
            .map(|(_, id)| id)
            .collect()
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

    /// How long until the next timer (referenced or not) is due.
    pub(crate) fn next_due(&mut self, now: Instant) -> Option<Duration> {
        while let Some(Reverse((deadline, seq, id))) = self.heap.peek().copied() {
            match self.active.get(&id) {
                Some(t) if t.seq == seq && !t.immediate => return Some(deadline.saturating_duration_since(now)),
                _ => {
                    self.heap.pop();
                }
            }
        }
        None
    }
}
