//! Thread-safe notifiers (after `uv_async_send` and napi threadsafe
//! functions): any thread sends payloads; the runtime's loop delivers each
//! one exactly once, in order per sender, to a JS function (by value or by
//! global name, resolved at delivery) or to a host callback. Many sends
//! between two loop turns coalesce into one wake-up.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::async_hooks::{self, AsyncId, AsyncType};
use crate::core::Core;
use crate::error::{Error, Status};
use crate::event_loop::{self, Event};
use crate::isolate::{self, Vm};
use crate::refs::ObjectRef;
use crate::value::Value;

/// A host callback for deliveries; runs on the loop's thread.
pub type NotifyFn = Box<dyn FnMut(Value) + Send>;

/// Where deliveries go.
pub enum Target {
    /// A global resolved by name at each delivery, as the classic addon's
    /// `callback`.
    GlobalName(String),
    /// A JS function value of the notifier's runtime, called with the
    /// payload (this undefined).
    Function(ObjectRef),
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
    /// Open and referenced: counted in the runtime's liveness. Each queued
    /// payload is counted there too, so the loop stays alive even before
    /// the wake-up event of the last send is posted.
    refed: AtomicBool,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Notifier {
    fn new(core: &Arc<Core>, capacity: usize, async_id: AsyncId) -> Arc<Notifier> {
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
        });
        core.liveness.add(1);
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
        core.liveness.add(1);
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
    fn take_all(&self, core: &Core) -> (Vec<Value>, bool) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        self.scheduled.store(false, Ordering::Release);
        let items: Vec<Value> = q.items.drain(..).collect();
        core.liveness.remove(items.len());
        let closed = q.closed;
        drop(q);
        self.room.notify_all();
        (items, closed)
    }

    /// Put undelivered payloads back at the front, in order.
    fn unshift(&self, core: &Core, items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        core.liveness.add(items.len());
        for item in items.into_iter().rev() {
            q.items.push_front(item);
        }
        let schedule = !self.scheduled.swap(true, Ordering::AcqRel);
        drop(q);
        if schedule {
            core.inbox.post(Event::Notify(self.id));
        }
    }

    fn has_items(&self) -> bool {
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
                    core.liveness.add(1);
                } else {
                    core.liveness.remove(1);
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
                core.liveness.remove(1);
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

/// A notifier and its target (None while the target is delivering).
type Entry = (Arc<Notifier>, Option<Target>);

/// A runtime's live notifiers and their targets; a target is taken out
/// while it delivers, so a callback may create or close notifiers.
#[derive(Default)]
pub(crate) struct Registry(Mutex<HashMap<u64, Entry>>);

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notifiers open now.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Close every notifier (senders get `Closing`) and drop the targets
    /// (running host finalizers) on this thread: the runtime's teardown.
    pub(crate) fn close_all(&self) {
        let all: Vec<_> = self.lock().drain().map(|(_, v)| v).collect();
        for (n, _) in &all {
            n.close();
        }
        drop(all);
    }
}

/// A notifier delivering to `target` on `core`'s loop, with a queue of at
/// most `capacity` payloads (0: unbounded), whose async identity is
/// `async_id`. Any thread.
pub(crate) fn create(core: &Arc<Core>, target: Target, capacity: usize, async_id: AsyncId) -> Arc<Notifier> {
    let n = Notifier::new(core, capacity, async_id);
    core.notifiers.lock().insert(n.id, (Arc::clone(&n), Some(target)));
    core.inbox.wake(); // the loop's liveness changed
    n
}

/// Deliver everything queued on notifier `id`, in order, on the loop;
/// release its target once it is closed and drained. `stopped` is asked
/// between payloads: a stop leaves the rest queued.
pub(crate) fn deliver(
    scope: &mut v8::PinScope,
    core: &Core,
    vm: &Vm,
    id: u64,
    stopped: &dyn Fn() -> bool,
) -> Result<(), Error> {
    let (notifier, target) = {
        let mut all = core.notifiers.lock();
        match all.get_mut(&id) {
            Some((n, t)) => (Arc::clone(n), t.take()),
            None => return Ok(()),
        }
    };
    let Some(mut target) = target else { return Ok(()) }; // delivering further up the stack
    let (items, closed) = notifier.take_all(core);
    let mut items = items.into_iter().peekable();
    let mut outcome = Ok(());
    let async_id = &notifier.async_id;
    async_id.init_if_pending(scope, core, AsyncType::Notifier);
    while items.peek().is_some() {
        if stopped() {
            outcome = Err(Error::new(Status::Terminated, "event loop terminated"));
            break;
        }
        let Some(payload) = items.next() else { break };
        let result = async_hooks::run_as(
            scope,
            core,
            async_id.id,
            async_id.trigger,
            AsyncType::Notifier,
            |scope| deliver_one(scope, core, vm, &mut target, payload),
        );
        if let Err(e) = event_loop::event_done(scope, core, result) {
            outcome = Err(e);
            break;
        }
    }
    // Whatever a stop left undelivered goes back to the front.
    notifier.unshift(core, items.collect());
    let mut all = core.notifiers.lock();
    if closed && outcome.is_ok() && !notifier.has_items() {
        let entry = all.remove(&id); // drops the target (and runs a host finalizer)
        drop(all);
        drop(entry);
        async_hooks::destroy(scope, core, async_id.id, AsyncType::Notifier);
    } else if let Some((_, slot)) = all.get_mut(&id) {
        *slot = Some(target);
    }
    outcome
}

fn deliver_one(
    scope: &mut v8::PinScope,
    core: &Core,
    vm: &Vm,
    target: &mut Target,
    payload: Value,
) -> Result<(), Error> {
    match target {
        Target::Host(f) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(payload)))
            .map_err(|p| Error::new(Status::Internal, crate::error::panic_message(&*p))),
        Target::GlobalName(name) => {
            let deliver = match &*core.dispatch() {
                Some(d) => v8::Local::new(scope, &d.deliver),
                None => return Ok(()),
            };
            let name = v8::String::new(scope, name).ok_or_else(|| Error::bad_input("callback name too long"))?;
            let payload = crate::value::to_v8(scope, &payload, Some(&core.refs))
                .map_err(|m| Error::bad_input(format!("notifier payload: {m}")))?;
            isolate::call_function(scope, vm, deliver, &[name.into(), payload])
        }
        Target::Function(f) => {
            let f = core.refs.get(scope, f).map_err(|m| Error::new(Status::Closed, m))?;
            let f = v8::Local::<v8::Function>::try_from(f).map_err(|_| Error::bad_input("not a function"))?;
            let payload = crate::value::to_v8(scope, &payload, Some(&core.refs))
                .map_err(|m| Error::bad_input(format!("notifier payload: {m}")))?;
            isolate::call_function(scope, vm, f, &[payload])
        }
    }
}
