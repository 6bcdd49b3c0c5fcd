//! V8 platform initialisation: exactly once per process, lazily, from
//! whichever thread asks first.
//!
//! The unprotected default platform is used on purpose: the protected one
//! guards V8's tables with memory-protection keys, and threads that existed
//! before `V8::initialize` (every thread of a Go program) would then fault on
//! their first JS. No signal handler is installed: the WebAssembly trap
//! handler stays off and the default platform does no in-process stack
//! dumping, so Go keeps its own SIGSEGV/SIGBUS handling.

use once_cell::sync::OnceCell;

/// The platform, kept to pump each isolate's foreground tasks.
struct PlatformRef(v8::SharedRef<v8::Platform>);
// SAFETY: V8's default platform is thread-safe: every thread of the
// process posts to it and any thread may pump an isolate it has locked.
unsafe impl Send for PlatformRef {}
unsafe impl Sync for PlatformRef {}

static PLATFORM: OnceCell<PlatformRef> = OnceCell::new();

/// V8 flags v8runner always sets.
///
/// `--no-turboshaft-loop-unrolling`: in this V8 (15.2), a loop that
/// Turboshaft unrolls can lose its interrupt check, so `terminate` (and with
/// it timeouts and the heap-limit guard) never lands: measured with
/// `while (true) { s = new Array(100).fill(1) }`, which ran forever with the
/// default flags and stops at once with this one. Termination must work.
const BUILTIN_FLAGS: &str = "--no-turboshaft-loop-unrolling";

/// Initialise V8 if nobody has yet. Cheap after the first call.
pub fn ensure_initialized() {
    PLATFORM.get_or_init(|| {
        v8::V8::set_flags_from_string(BUILTIN_FLAGS);
        // The caller's own flags come last, so they can override ours.
        if let Ok(flags) = std::env::var("V8RUNNER_FLAGS") {
            v8::V8::set_flags_from_string(&flags);
        }
        // 0 worker threads = V8 picks (number of cores).
        let platform = v8::new_unprotected_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform.clone());
        v8::V8::initialize();
        PlatformRef(platform)
    });
}

/// Run the foreground tasks V8 posted for `isolate` (FinalizationRegistry
/// cleanups, GC follow-ups, finished background compiles); never waits.
/// Returns whether any ran. The caller holds the isolate's lock.
pub fn run_pending_tasks(isolate: &v8::Isolate) -> bool {
    let Some(platform) = PLATFORM.get() else { return false };
    let mut ran = false;
    // Bounded, so tasks that keep posting tasks cannot starve the loop.
    for _ in 0..64 {
        if !v8::Platform::pump_message_loop(&platform.0, isolate, false) {
            break;
        }
        ran = true;
    }
    ran
}
