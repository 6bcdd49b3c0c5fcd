//! The inspector in the C ABI: Chrome DevTools over a WebSocket on a
//! loopback address, and CPU profiles.

use std::ffi::{c_char, c_void};

use super::error::v8r_error;
use super::observe::{chunk_writer, v8r_write_fn};
use super::runtime::{lookup, v8r_runtime};
use super::{boundary, c_text, malloc_string, write_out};
use crate::error::{Error, Status};

/// `v8r_runtime_inspect` flag: return only once a DevTools client sent
/// `Runtime.runIfWaitingForDebugger` (see `v8r_runtime_wait_for_debugger`).
pub const V8R_INSPECT_WAIT: u32 = 1;
/// `v8r_runtime_inspect` flag: allow a non-loopback address. Anyone who
/// can reach it can run any code in the runtime: only on a trusted network.
pub const V8R_INSPECT_ANY_ADDRESS: u32 = 2;

/// Serve the Chrome DevTools Protocol for `rt` on `addr` ("127.0.0.1:9229";
/// port 0 picks a free one): `GET /json/list` (and `/json`) and
/// `/json/version` as Chrome serves them, and a WebSocket per session.
/// `*ws_url` (may be NULL; free() it) gets the target's WebSocket URL.
/// Refused (V8R_STATUS_BAD_INPUT): an address that is not loopback,
/// unless V8R_INSPECT_ANY_ADDRESS. Breakpoints, stepping, scopes, console
/// messages and exceptions reach DevTools; while a breakpoint holds a
/// script, the thread running it serves the sessions. The server stops
/// when the runtime is freed. Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_inspect(
    rt: *mut v8r_runtime,
    addr: *const c_char,
    flags: u32,
    ws_url: *mut *mut c_char,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || {
        if !ws_url.is_null() {
            write_out(ws_url, std::ptr::null_mut(), "ws_url")?;
        }
        if flags & !(V8R_INSPECT_WAIT | V8R_INSPECT_ANY_ADDRESS) != 0 {
            return Err(Error::bad_input(format!("unknown inspect flags 0x{flags:x}")));
        }
        let runtime = lookup(rt)?;
        runtime.check_thread()?;
        let addr = c_text(addr, "addr")?.ok_or_else(|| Error::bad_input("addr is NULL"))?;
        let listening = runtime.inspect(
            addr,
            flags & V8R_INSPECT_WAIT != 0,
            flags & V8R_INSPECT_ANY_ADDRESS != 0,
        )?;
        if !ws_url.is_null() {
            write_out(ws_url, malloc_string(listening.ws_url().as_bytes())?, "ws_url")?;
        }
        Ok(())
    })
}

/// Wait until a DevTools client of `rt` (`v8r_runtime_inspect`) sends
/// `Runtime.runIfWaitingForDebugger`, which clients send once their
/// breakpoints are set; the next script evaluated then pauses before its
/// first statement (Node's `--inspect-brk`). Threads: as
/// `v8r_runtime_eval`, not from inside a callback.
#[no_mangle]
pub extern "C" fn v8r_runtime_wait_for_debugger(rt: *mut v8r_runtime, err: *mut *mut v8r_error) -> Status {
    boundary(err, || {
        let runtime = lookup(rt)?;
        runtime.check_thread()?;
        runtime.wait_for_debugger()
    })
}

/// Start V8's sampling CPU profiler on `rt`, one sample every
/// `interval_us` microseconds (0: 1000). One profile at a time
/// (V8R_STATUS_BUSY). Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_cpu_profile_start(
    rt: *mut v8r_runtime,
    interval_us: u32,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || lookup(rt)?.start_cpu_profile(interval_us))
}

/// Stop the CPU profile and hand it to `write` as a `.cpuprofile` (the
/// JSON Chrome DevTools' Performance panel and speedscope open).
/// V8R_STATUS_BAD_INPUT when none runs. Threads: as `v8r_runtime_eval`.
#[no_mangle]
pub extern "C" fn v8r_runtime_cpu_profile_stop(
    rt: *mut v8r_runtime,
    write: v8r_write_fn,
    data: *mut c_void,
    err: *mut *mut v8r_error,
) -> Status {
    boundary(err, || lookup(rt)?.stop_cpu_profile(chunk_writer(write, data)?))
}
