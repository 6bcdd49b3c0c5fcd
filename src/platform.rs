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

use crate::error::{Error, Status};

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

/// Address space V8 reserves when it starts, and for each isolate (its
/// code range, plus room for the first heap pages). V8 aborts the process
/// when such a reservation fails. At start cppgc's caged heap first asks
/// for 32 GiB aligned to 16 GiB (48 GiB of address space), and otherwise
/// retries 16 GiB four times with one chance in two each: only the first
/// is sure to work.
const PROCESS_RESERVATION: usize = 48 << 30;
pub(crate) const ISOLATE_RESERVATION: usize = 640 << 20;

/// Under an address-space limit (`ulimit -v`, RLIMIT_AS) a reservation V8
/// cannot make aborts the process; so, when a limit is set, check first
/// that `bytes` can be reserved and fail with `OutOfMemory` if not.
pub(crate) fn check_address_space(bytes: usize, what: &str) -> Result<(), Error> {
    // SAFETY: plain libc calls; the probe mapping is released at once.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_AS, &mut limit) != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
            return Ok(());
        }
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
        let p = libc::mmap(std::ptr::null_mut(), bytes, libc::PROT_NONE, flags, -1, 0);
        if p != libc::MAP_FAILED {
            libc::munmap(p, bytes);
            return Ok(());
        }
        Err(Error::new(
            Status::OutOfMemory,
            format!(
                "{what} needs {} MiB of address space, which the process's limit (ulimit -v: {} MiB) does not leave",
                bytes >> 20,
                limit.rlim_cur >> 20
            ),
        ))
    }
}

/// Initialise V8 if nobody has yet. Cheap after the first call. Fails
/// (and is retried by the next call) when the process cannot give V8 the
/// address space it reserves at start.
/// The V8 flags this process sets: ours, then the caller's own
/// (`V8RUNNER_FLAGS`), which come last so they can override ours.
pub fn flags_in_effect() -> &'static str {
    static FLAGS: once_cell::sync::Lazy<String> =
        once_cell::sync::Lazy::new(|| match std::env::var("V8RUNNER_FLAGS") {
            Ok(flags) => format!("{BUILTIN_FLAGS} {flags}"),
            Err(_) => BUILTIN_FLAGS.to_string(),
        });
    &FLAGS
}

pub fn ensure_initialized() -> Result<(), Error> {
    if PLATFORM.get().is_some() {
        return Ok(());
    }
    check_address_space(PROCESS_RESERVATION, "starting V8")?;
    PLATFORM.get_or_init(|| {
        v8::V8::set_flags_from_string(flags_in_effect());
        // 0 worker threads = V8 picks (number of cores).
        let platform = v8::new_unprotected_default_platform(0, false).make_shared();
        v8::V8::initialize_platform(platform.clone());
        v8::V8::initialize();
        PlatformRef(platform)
    });
    Ok(())
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
