//! The thread pool work queue (after `uv_queue_work`): `work` runs on a
//! pool thread and must not touch V8; `after` runs later on the runtime's
//! loop thread with the outcome (done or canceled). One pool serves every
//! runtime of the process; it starts on first use with
//! `V8RUNNER_THREADPOOL_SIZE` threads (default: the number of cores).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

use crossbeam::channel::{unbounded, Sender};
use once_cell::sync::OnceCell;

use crate::async_hooks::{self, AsyncId, AsyncType};
use crate::core::Core;
use crate::error::{Error, Status};
use crate::event_loop::Event;

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const CANCELED: u8 = 3;

/// Runs on a pool thread.
pub type WorkFn = Box<dyn FnOnce() + Send>;
/// Runs on the loop thread with the request and `Status::Ok` or
/// `Status::Canceled`.
pub type AfterFn = Box<dyn FnOnce(&WorkRequest, Status) + Send>;

/// One queued piece of work.
pub struct WorkRequest {
    pub id: u64,
    state: AtomicU8,
    work: Mutex<Option<WorkFn>>,
    after: Mutex<Option<AfterFn>>,
    core: Weak<Core>,
    pub(crate) async_id: AsyncId,
    /// Signalled when the work function has finished (for runtime free).
    finished: Condvar,
}

impl WorkRequest {
    /// Cancel before the work starts: `after` then runs with `Canceled`.
    /// Once it started (or finished) this fails with `Busy`.
    pub fn cancel(&self) -> Result<(), Error> {
        if self
            .state
            .compare_exchange(QUEUED, CANCELED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(Error::new(
                Status::Busy,
                "work already started or finished; it can no longer be canceled",
            ));
        }
        drop(self.work.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(core) = self.core.upgrade() {
            core.inbox.post(Event::WorkDone(self.id));
        }
        Ok(())
    }

    fn status(&self) -> Status {
        if self.state.load(Ordering::Acquire) == CANCELED {
            Status::Canceled
        } else {
            Status::Ok
        }
    }

    /// For runtime teardown: wait until a running work function returned.
    fn wait_finished(&self) {
        let mut guard = self.work.lock().unwrap_or_else(|e| e.into_inner());
        while self.state.load(Ordering::Acquire) == RUNNING {
            guard = self.finished.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }
}

struct Pool {
    tx: Sender<Arc<WorkRequest>>,
    size: usize,
}

static POOL: OnceCell<Pool> = OnceCell::new();
static REQUESTED_SIZE: AtomicUsize = AtomicUsize::new(0);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Set the pool size before its first use; `Busy` once it has started.
pub fn set_pool_size(n: usize) -> Result<(), Error> {
    if n == 0 || n > 1024 {
        return Err(Error::bad_input(format!("thread pool size {n} is not in 1..=1024")));
    }
    if POOL.get().is_some() {
        return Err(Error::new(Status::Busy, "the thread pool has already started"));
    }
    REQUESTED_SIZE.store(n, Ordering::SeqCst);
    Ok(())
}

/// Threads in the pool (starting it if needed).
pub fn pool_size() -> usize {
    pool().size
}

fn pool() -> &'static Pool {
    POOL.get_or_init(|| {
        let size = match REQUESTED_SIZE.load(Ordering::SeqCst) {
            0 => std::env::var("V8RUNNER_THREADPOOL_SIZE")
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|&n| (1..=1024).contains(&n))
                .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
            n => n,
        };
        let (tx, rx) = unbounded::<Arc<WorkRequest>>();
        for i in 0..size {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("v8runner-pool-{i}"))
                .spawn(move || {
                    for req in rx {
                        run_one(&req);
                    }
                })
                .expect("spawn thread pool worker");
        }
        Pool { tx, size }
    })
}

fn run_one(req: &WorkRequest) {
    if req
        .state
        .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return; // canceled while queued
    }
    let work = req.work.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(work) = work {
        // A panicking work function must not take the pool thread down.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    }
    {
        let _guard = req.work.lock().unwrap_or_else(|e| e.into_inner());
        req.state.store(DONE, Ordering::Release);
        req.finished.notify_all();
    }
    if let Some(core) = req.core.upgrade() {
        core.inbox.post(Event::WorkDone(req.id));
    }
}

/// Queue `work` for `core`'s runtime; the caller registers the request
/// with the runtime (so it keeps the loop alive) before this returns.
/// `created` sees the request before any thread can run it.
pub(crate) fn queue(
    core: &Arc<Core>,
    work: WorkFn,
    after: AfterFn,
    async_id: AsyncId,
    created: impl FnOnce(&Arc<WorkRequest>),
) -> Arc<WorkRequest> {
    let req = Arc::new(WorkRequest {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        state: AtomicU8::new(QUEUED),
        work: Mutex::new(Some(work)),
        after: Mutex::new(Some(after)),
        core: Arc::downgrade(core),
        async_id,
        finished: Condvar::new(),
    });
    created(&req);
    core.work.register(&core.liveness, Arc::clone(&req));
    // The pool lives for the whole process, so send cannot fail.
    let _ = pool().tx.send(Arc::clone(&req));
    req
}

/// A runtime's work requests whose after-callback has not run yet; each
/// keeps the loop alive.
#[derive(Default)]
pub(crate) struct Registry(Mutex<HashMap<u64, Arc<WorkRequest>>>);

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<WorkRequest>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, liveness: &crate::core::Liveness, req: Arc<WorkRequest>) {
        liveness.add(1);
        self.lock().insert(req.id, req);
    }

    /// Requests queued or running.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// The runtime's teardown: queued requests are canceled (first, before
    /// the pool can start them), running ones waited for, then every
    /// after-callback runs once, with `Canceled`, on this thread.
    pub(crate) fn cancel_all(&self) {
        let pending: Vec<_> = self.lock().drain().map(|(_, r)| r).collect();
        for req in &pending {
            let _ = req.cancel();
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
    }
}

/// Request `id` finished (or was canceled): run its after-callback on the
/// loop, as its async resource. None: nothing to run.
pub(crate) fn complete(scope: &mut v8::PinScope, core: &Core, id: u64) -> Option<Result<(), Error>> {
    let req = core.work.lock().remove(&id)?;
    core.liveness.remove(1);
    let after = req.after.lock().unwrap_or_else(|e| e.into_inner()).take()?;
    let status = req.status();
    let async_id = &req.async_id;
    async_id.init_if_pending(scope, core, AsyncType::Work);
    let outcome = async_hooks::run_as(scope, core, async_id.id, async_id.trigger, AsyncType::Work, |_| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| after(&req, status)))
            .map_err(|p| Error::new(Status::Internal, crate::error::panic_message(&*p)))
    });
    async_hooks::destroy(scope, core, async_id.id, AsyncType::Work);
    Some(outcome)
}
