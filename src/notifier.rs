//! Thread-safe notifiers (after `uv_async_send` and napi threadsafe
//! functions): any thread sends payloads; the runtime's loop delivers each
//! one exactly once, in order per sender, to a JS function (by value or by
//! global name, resolved at delivery) or to a host callback. Many sends
//! between two loop turns coalesce into one wake-up.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::async_hooks::AsyncId;
use crate::error::{Error, Status};
use crate::event_loop::Event;
use crate::runtime::Core;
use crate::values::Value;

/// A host callback for deliveries; runs on the loop's thread.
pub type NotifyFn = Box<dyn FnMut(Value) + Send>;

/// Where deliveries go.
pub enum Target {
    /// A global resolved by name at each delivery, as the classic addon's
    /// `callback`.
    GlobalName(String),
    /// Host code.
    Host(NotifyFn),
}

/// How long a send may wait for room in a bounded queue.
#[derive(Debug, Clone, Copy)]
pub enum SendWait {
    /// Fail with `QueueFull` at once.
    NoWait,
    /// Wait at most this long, then `Timeout`.
    Timeout(Duration),
    /// Wait until there is room (or the notifier closes).
    Forever,
}

struct Queue {
    items: VecDeque<Value>,
    closed: bool,
}

/// The sending side; shared by every thread that sends.
pub struct Notifier {
    pub(crate) id: u64,
    pub(crate) async_id: AsyncId,
    core: Weak<Core>,
    queue: Mutex<Queue>,
    room: Condvar,
    /// 0: unbounded.
    capacity: usize,
    /// A Notify event is already in the inbox.
    scheduled: AtomicBool,
    refed: AtomicBool,
    /// The runtime's count of payloads queued on all its notifiers: while
    /// it is non-zero the loop stays alive, even before the wake-up event
    /// of the last send has been posted.
    queued: Arc<AtomicUsize>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Notifier {
    pub(crate) fn new(core: &Arc<Core>, capacity: usize, async_id: AsyncId) -> Arc<Notifier> {
        let n = Arc::new(Notifier {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            async_id,
            core: Arc::downgrade(core),
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                closed: false,
            }),
            room: Condvar::new(),
            capacity,
            scheduled: AtomicBool::new(false),
            refed: AtomicBool::new(true),
            queued: Arc::clone(&core.queued_payloads),
        });
        core.refed_notifiers.fetch_add(1, Ordering::SeqCst);
        n
    }

    /// Queue `payload` for delivery. Any thread.
    pub fn send(&self, payload: Value, wait: SendWait) -> Result<(), Error> {
        let deadline = match wait {
            SendWait::Timeout(t) => Some(Instant::now() + t),
            _ => None,
        };
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if q.closed {
                return Err(Error::new(Status::Closing, "notifier is closed"));
            }
            if self.capacity == 0 || q.items.len() < self.capacity {
                break;
            }
            q = match (wait, deadline) {
                (SendWait::NoWait, _) => {
                    return Err(Error::new(
                        Status::QueueFull,
                        format!("notifier queue is full ({} items)", self.capacity),
                    ))
                }
                (_, Some(deadline)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::new(
                            Status::Timeout,
                            "timed out waiting for room in the notifier queue",
                        ));
                    }
                    self.room.wait_timeout(q, left).unwrap_or_else(|e| e.into_inner()).0
                }
                _ => self.room.wait(q).unwrap_or_else(|e| e.into_inner()),
            };
        }
        let core = self
            .core
            .upgrade()
            .ok_or_else(|| Error::new(Status::Closing, "runtime is gone"))?;
        q.items.push_back(payload);
        self.queued.fetch_add(1, Ordering::SeqCst);
        // Decided under the queue lock, so it orders cleanly against
        // take_all: either a delivery in progress takes this payload, or
        // this send schedules the next delivery.
        let schedule = !self.scheduled.swap(true, Ordering::AcqRel);
        drop(q);
        if schedule {
            core.inbox.post(Event::Notify(self.id));
        }
        Ok(())
    }

    /// Everything queued, for delivery; wakes blocked senders.
    pub(crate) fn take_all(&self) -> (Vec<Value>, bool) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.scheduled.store(false, Ordering::Release);
        let items: Vec<Value> = q.items.drain(..).collect();
        self.queued.fetch_sub(items.len(), Ordering::SeqCst);
        let closed = q.closed;
        drop(q);
        self.room.notify_all();
        (items, closed)
    }

    /// Put undelivered payloads back at the front, in order.
    pub(crate) fn unshift(&self, items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.queued.fetch_add(items.len(), Ordering::SeqCst);
        for item in items.into_iter().rev() {
            q.items.push_front(item);
        }
        let schedule = !self.scheduled.swap(true, Ordering::AcqRel);
        drop(q);
        if let (true, Some(core)) = (schedule, self.core.upgrade()) {
            core.inbox.post(Event::Notify(self.id));
        }
    }

    pub(crate) fn has_items(&self) -> bool {
        !self.queue.lock().unwrap_or_else(|e| e.into_inner()).items.is_empty()
    }

    /// Whether this notifier keeps the loop alive (default: yes).
    pub fn set_ref(&self, refed: bool) {
        let q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed {
            return;
        }
        if self.refed.swap(refed, Ordering::SeqCst) != refed {
            if let Some(core) = self.core.upgrade() {
                if refed {
                    core.refed_notifiers.fetch_add(1, Ordering::SeqCst);
                } else {
                    core.refed_notifiers.fetch_sub(1, Ordering::SeqCst);
                }
                core.inbox.wake();
            }
        }
    }

    /// Stop accepting sends (they get `Closing`); payloads already queued
    /// are still delivered, then the target is released. Idempotent, any
    /// thread, safe while others send.
    pub fn close(&self) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed {
            return;
        }
        q.closed = true;
        let schedule = !self.scheduled.swap(true, Ordering::AcqRel);
        drop(q);
        self.room.notify_all();
        if let Some(core) = self.core.upgrade() {
            if self.refed.swap(false, Ordering::SeqCst) {
                core.refed_notifiers.fetch_sub(1, Ordering::SeqCst);
            }
            // Let the loop deliver what is left and release the target;
            // wake it even when a delivery is already scheduled, since its
            // liveness just changed.
            if schedule {
                core.inbox.post(Event::Notify(self.id));
            } else {
                core.inbox.wake();
            }
        }
    }

    pub fn is_closed(&self) -> bool {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).closed
    }
}
