//! Deadlines: one process-wide thread that runs an action when its time
//! comes (terminating a one-shot script that ran out of time), unless it
//! was disarmed first. Started on first use.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use once_cell::sync::Lazy;

type Action = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct State {
    due: BinaryHeap<Reverse<(Instant, u64)>>,
    /// Armed actions by ticket; a disarmed one leaves a stale `due` entry.
    armed: HashMap<u64, Action>,
    next: u64,
    started: bool,
}

static WATCHDOG: Lazy<(Mutex<State>, Condvar)> = Lazy::new(Default::default);

fn lock() -> std::sync::MutexGuard<'static, State> {
    WATCHDOG.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// An armed deadline; dropping it disarms it.
pub(crate) struct Armed(u64);

impl Drop for Armed {
    fn drop(&mut self) {
        // Dropped after the thread took the action: nothing left to do.
        lock().armed.remove(&self.0);
    }
}

/// Run `action` on the watchdog thread at `deadline`, unless disarmed.
pub(crate) fn arm(deadline: Instant, action: impl FnOnce() + Send + 'static) -> Armed {
    let mut st = lock();
    st.next += 1;
    let ticket = st.next;
    st.due.push(Reverse((deadline, ticket)));
    st.armed.insert(ticket, Box::new(action));
    if !st.started {
        st.started = true;
        // If the thread cannot start, deadlines just never fire; the
        // scripts they guard still run (and can be terminated).
        let _ = std::thread::Builder::new().name("v8runner-watchdog".into()).spawn(run);
    }
    drop(st);
    WATCHDOG.1.notify_one();
    Armed(ticket)
}

fn run() {
    let mut st = lock();
    loop {
        let now = Instant::now();
        match st.due.peek().copied() {
            Some(Reverse((at, ticket))) if at <= now => {
                st.due.pop();
                if let Some(action) = st.armed.remove(&ticket) {
                    drop(st);
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(action));
                    st = lock();
                }
            }
            Some(Reverse((at, _))) => {
                st = WATCHDOG
                    .1
                    .wait_timeout(st, at - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            None => st = WATCHDOG.1.wait(st).unwrap_or_else(|e| e.into_inner()),
        }
    }
}
