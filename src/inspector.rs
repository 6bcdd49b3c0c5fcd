//! V8's inspector: Chrome DevTools debugging of a runtime (sessions fed by
//! the WebSocket server in inspector_server.rs) and CPU profiles (an
//! internal session speaking the same protocol).
//!
//! Messages for sessions may arrive on any thread; they are queued here
//! and dispatched on the thread that holds the isolate: by the event loop
//! (an inbox event), by an interrupt while JS runs, by the runtime's pump
//! thread when it is idle, and by V8's own pause loop while a breakpoint
//! holds the script (`run_message_loop_on_pause`).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use v8::inspector::{
    ChannelImpl, StringBuffer, StringView, V8Inspector, V8InspectorClient, V8InspectorClientImpl,
    V8InspectorClientTrustLevel, V8InspectorSession,
};

use crate::error::{Error, Status};
use crate::profiler::Profiling;

/// The only context group: one context per runtime.
const GROUP: i32 = 1;

/// Where a session's protocol messages (responses, notifications) go.
pub(crate) type Outbound = Arc<dyn Fn(String) + Send + Sync>;

/// An outbound that queues the messages for a receiver on another thread.
pub(crate) fn channel() -> (Outbound, std::sync::mpsc::Receiver<String>) {
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let out: Outbound = Arc::new(move |msg| {
        let _ = locked(&tx).send(msg);
    });
    (out, rx)
}

enum Inbound {
    Connect(u64, Outbound),
    Message(u64, String),
    Disconnect(u64),
}

/// What other threads share with the runtime's thread.
#[derive(Default)]
pub(crate) struct Shared {
    queue: Mutex<VecDeque<Inbound>>,
    arrived: Condvar,
    /// V8 asked to leave its pause loop (the script resumes).
    quit_pause: AtomicBool,
    /// A client sent Runtime.runIfWaitingForDebugger.
    go: Mutex<bool>,
    went: Condvar,
    /// The runtime is gone: waiters give up.
    closed: AtomicBool,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn push(&self, item: Inbound) {
        locked(&self.queue).push_back(item);
        self.arrived.notify_all();
    }

    fn take(&self) -> VecDeque<Inbound> {
        std::mem::take(&mut *locked(&self.queue))
    }

    /// Wait until something is queued (or the runtime closes); true if
    /// something is.
    pub(crate) fn wait_for_work(&self) -> bool {
        let mut q = locked(&self.queue);
        while q.is_empty() && !self.closed.load(Ordering::SeqCst) {
            q = self.arrived.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        !q.is_empty()
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.arrived.notify_all();
        self.went.notify_all();
    }

    /// Wait for a client to say "run" (Runtime.runIfWaitingForDebugger).
    pub(crate) fn wait_for_debugger(&self) -> Result<(), Error> {
        let mut go = locked(&self.go);
        while !*go {
            if self.closed.load(Ordering::SeqCst) {
                return Err(Error::new(
                    Status::Closed,
                    "the runtime closed while waiting for a debugger",
                ));
            }
            go = self.went.wait(go).unwrap_or_else(|e| e.into_inner());
        }
        Ok(())
    }
}

type Sessions = Rc<RefCell<HashMap<u64, V8InspectorSession>>>;

/// The inspector and its sessions: V8 objects of the isolate, touched only
/// on the thread that holds it.
struct Live {
    sessions: Sessions,
    inspector: V8Inspector,
    context: std::ptr::NonNull<v8::Context>,
}

struct LiveCell(Live);
// SAFETY: created, used and dropped only under the isolate's lock (the
// Rc inside never leaves the thread that holds it).
unsafe impl Send for LiveCell {}

/// A runtime's inspector state (in its Core).
#[derive(Default)]
pub(crate) struct Inspector {
    pub(crate) shared: Arc<Shared>,
    live: Mutex<Option<LiveCell>>,
    next_session: AtomicU64,
    /// Every session's outbound, for what the runtime reports itself.
    outbounds: Mutex<HashMap<u64, Outbound>>,
    /// A debugger asked to run (wait-for-debugger): the next script the
    /// runtime evaluates pauses before its first statement.
    pause_next: AtomicBool,
    next_exception: AtomicU64,
    /// Which sessions profile, sampled on every thread that runs JS.
    pub(crate) profiling: Arc<Profiling>,
}

struct Client {
    shared: Arc<Shared>,
    sessions: Sessions,
    profiling: Arc<Profiling>,
    /// The runtime's context, a V8 handle of the client's own (released by
    /// `Inspector::dispose`): DevTools evaluates there by default.
    context: std::ptr::NonNull<v8::Context>,
}

impl V8InspectorClientImpl for Client {
    /// A breakpoint holds the script: serve the sessions here until V8
    /// says resume.
    fn run_message_loop_on_pause(&self, _group: i32) {
        self.shared.quit_pause.store(false, Ordering::SeqCst);
        // Connects and disconnects wait for the script to go on (they need
        // the inspector, which the pump holds), kept here meanwhile so the
        // wait below is for new messages only.
        let mut later = VecDeque::new();
        while !self.shared.quit_pause.load(Ordering::SeqCst) {
            if !self.shared.wait_for_work() {
                break; // closed
            }
            for item in self.shared.take() {
                match item {
                    Inbound::Message(id, msg) => dispatch(&self.sessions, &self.profiling, id, &msg),
                    other => later.push_back(other),
                }
            }
        }
        if !later.is_empty() {
            let mut queue = locked(&self.shared.queue);
            later.append(&mut queue);
            *queue = later;
        }
    }

    fn quit_message_loop_on_pause(&self) {
        self.shared.quit_pause.store(true, Ordering::SeqCst);
        self.shared.arrived.notify_all();
    }

    fn run_if_waiting_for_debugger(&self, _group: i32) {
        *locked(&self.shared.go) = true;
        self.shared.went.notify_all();
    }

    fn ensure_default_context_in_group(&self, _group: i32) -> Option<v8::Local<'_, v8::Context>> {
        // SAFETY: a Local is the address of a handle's cell, as this is;
        // V8 asks on the isolate's thread, while the handle lives.
        Some(unsafe { std::mem::transmute::<std::ptr::NonNull<v8::Context>, v8::Local<'_, v8::Context>>(self.context) })
    }
}

fn dispatch(sessions: &Sessions, profiling: &Profiling, id: u64, msg: &str) {
    let sessions = sessions.borrow();
    let Some(session) = sessions.get(&id) else { return };
    profiling.before_dispatch(id, msg);
    if msg.is_ascii() {
        session.dispatch_protocol_message(StringView::from(msg.as_bytes()));
    } else {
        let wide: Vec<u16> = msg.encode_utf16().collect();
        session.dispatch_protocol_message(StringView::from(&wide[..]));
    }
}

struct Channel(Outbound);

impl ChannelImpl for Channel {
    fn send_response(&self, _call_id: i32, message: v8::UniquePtr<StringBuffer>) {
        if let Some(m) = message.as_ref() {
            (self.0)(m.string().to_string());
        }
    }
    fn send_notification(&self, message: v8::UniquePtr<StringBuffer>) {
        if let Some(m) = message.as_ref() {
            (self.0)(m.string().to_string());
        }
    }
    fn flush_protocol_notifications(&self) {}
}

impl Inspector {
    /// Make V8's inspector for the scope's context, once.
    pub(crate) fn ensure(&self, scope: &mut v8::PinScope, name: &str) {
        let mut live = locked(&self.live);
        if live.is_some() {
            return;
        }
        let sessions: Sessions = Rc::default();
        let current = scope.get_current_context();
        let context = v8::Global::new(scope, current).into_raw();
        let client = V8InspectorClient::new(Box::new(Client {
            shared: Arc::clone(&self.shared),
            sessions: Rc::clone(&sessions),
            profiling: Arc::clone(&self.profiling),
            context,
        }));
        // The prelude's console reports to DevTools from now on.
        if let Some(core) = crate::natives::core_of(scope) {
            if let Some(native) = crate::natives::native_object(scope, core) {
                let key = v8::String::new(scope, "inspecting").unwrap_or_else(|| v8::String::empty(scope));
                let on = v8::Boolean::new(scope, true);
                native.set(scope, key.into(), on.into());
            }
        }
        crate::profiler::late_profiler_signals_are_harmless();
        self.profiling.bind(scope.thread_safe_handle());
        let inspector = V8Inspector::create(scope, client);
        let title = name.to_string();
        // DevTools evaluates in the context whose aux data says default.
        let aux = br#"{"isDefault":true,"type":"default","frameId":"v8runner"}"#;
        inspector.context_created(
            current,
            GROUP,
            StringView::from(title.as_bytes()),
            StringView::from(&aux[..]),
        );
        *live = Some(LiveCell(Live {
            sessions,
            inspector,
            context,
        }));
    }

    /// Whether sessions can be served (the inspector exists).
    pub(crate) fn is_live(&self) -> bool {
        locked(&self.live).is_some()
    }

    /// Queue a new session whose messages go to `out`; its id.
    pub(crate) fn connect(&self, out: Outbound) -> u64 {
        let id = self.next_session.fetch_add(1, Ordering::Relaxed) + 1;
        locked(&self.outbounds).insert(id, Arc::clone(&out));
        self.shared.push(Inbound::Connect(id, out));
        id
    }

    pub(crate) fn send(&self, id: u64, msg: String) {
        self.shared.push(Inbound::Message(id, msg));
    }

    pub(crate) fn disconnect(&self, id: u64) {
        locked(&self.outbounds).remove(&id);
        self.shared.push(Inbound::Disconnect(id));
    }

    /// Have the next script evaluated pause before its first statement.
    pub(crate) fn pause_next_script(&self) {
        self.pause_next.store(true, Ordering::SeqCst);
    }

    /// Before a script runs, on the thread about to run it: a pause asked
    /// for by `pause_next_script` is scheduled now (V8 keeps it in the
    /// running thread's state, so it must be asked on this thread).
    pub(crate) fn before_script(&self) {
        if !self.pause_next.swap(false, Ordering::SeqCst) {
            return;
        }
        let live = locked(&self.live);
        if let Some(LiveCell(live)) = live.as_ref() {
            for session in live.sessions.borrow().values() {
                session.schedule_pause_on_next_statement(StringView::from(&b"Break on start"[..]), StringView::empty());
            }
        }
    }

    /// Tell the sessions about an error nobody caught (a callback's, an
    /// unhandled rejection), as `Runtime.exceptionThrown`.
    pub(crate) fn exception_thrown(&self, err: &Error) {
        let outbounds: Vec<Outbound> = locked(&self.outbounds).values().cloned().collect();
        if outbounds.is_empty() {
            return;
        }
        let id = self.next_exception.fetch_add(1, Ordering::Relaxed) + 1;
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        let description = err.stack.clone().unwrap_or_else(|| err.message.clone());
        let message = serde_json::json!({
            "method": "Runtime.exceptionThrown",
            "params": {
                "timestamp": millis,
                "exceptionDetails": {
                    "exceptionId": id,
                    "text": err.message,
                    "lineNumber": err.line.saturating_sub(1),
                    "columnNumber": err.column.saturating_sub(1),
                    "url": err.resource_name.clone().unwrap_or_default(),
                    "exception": {
                        "type": "object",
                        "subtype": "error",
                        "className": err.name.clone().unwrap_or_else(|| "Error".into()),
                        "description": description,
                    },
                    "executionContextId": 1,
                }
            }
        })
        .to_string();
        for out in outbounds {
            out(message.clone());
        }
    }

    /// Serve what is queued, on the thread that holds the isolate.
    pub(crate) fn pump(&self) {
        let guard = locked(&self.live);
        let Some(LiveCell(live)) = guard.as_ref() else { return };
        // Sessions are reached through their own Rc, and the lock is let
        // go: a pause inside a dispatch serves the queue re-entrantly.
        let sessions = Rc::clone(&live.sessions);
        let inspector: *const V8Inspector = &live.inspector;
        drop(guard);
        for item in self.shared.take() {
            match item {
                Inbound::Connect(id, out) => {
                    // SAFETY: the inspector lives in `self.live` until
                    // `dispose`, which runs on this thread, not during a pump.
                    let inspector = unsafe { &*inspector };
                    let channel = v8::inspector::Channel::new(Box::new(Channel(out)));
                    let session = inspector.connect(
                        GROUP,
                        channel,
                        StringView::empty(),
                        V8InspectorClientTrustLevel::FullyTrusted,
                    );
                    sessions.borrow_mut().insert(id, session);
                }
                Inbound::Message(id, msg) => dispatch(&sessions, &self.profiling, id, &msg),
                Inbound::Disconnect(id) => {
                    let gone = sessions.borrow_mut().remove(&id);
                    drop(gone);
                    self.profiling.forget(id);
                }
            }
        }
    }

    /// Drop the sessions and the inspector (before the isolate), under its
    /// lock.
    pub(crate) fn dispose(&self) {
        self.shared.close();
        self.profiling.dispose();
        locked(&self.outbounds).clear();
        let live = locked(&self.live).take();
        if let Some(LiveCell(live)) = live {
            live.sessions.borrow_mut().clear();
            let context = live.context;
            drop(live);
            // SAFETY: the client's own handle, not used after its inspector.
            unsafe { crate::isolate::reset_raw_handle(context.as_ptr() as *const std::ffi::c_void) };
        }
    }
}

/// The runtime's thread is asked to serve its sessions while JS runs.
pub(crate) unsafe extern "C" fn interrupt(isolate: v8::UnsafeRawIsolatePtr, _data: *mut std::ffi::c_void) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: V8 passes the isolate whose interrupt this is, on its thread.
        let isolate = unsafe { v8::Isolate::ref_from_raw_isolate_ptr(&isolate) };
        if let Some(core) = crate::natives::core_of(isolate) {
            core.inspector.pump();
        }
    }));
}
