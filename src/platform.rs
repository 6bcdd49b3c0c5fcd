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

static PLATFORM: OnceCell<()> = OnceCell::new();

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
        v8::V8::initialize_platform(platform);
        v8::V8::initialize();
    });
}
