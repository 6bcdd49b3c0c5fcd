//! v8runner: run JavaScript in V8 from C and Go.
//!
//! The crate has two layers:
//! * safe Rust over the `v8` crate: [`platform`], [`isolate`], [`values`],
//!   [`error`], [`oneshot`] (the classic `runv8` on pooled isolates) and
//!   [`runtime`] (a stateful isolate + context), [`async_hooks`];
//! * the C ABI in [`ffi`], the only place that touches raw pointers. Its
//!   doc comments become `include/v8runner.h`.

pub mod async_hooks;
mod entry;
pub mod error;
pub mod event_loop;
pub mod host;
pub mod isolate;
mod natives;
pub mod notifier;
pub mod oneshot;
pub mod platform;
pub mod runtime;
pub mod values;
mod watchdog;
pub mod work;

pub mod ffi;

pub use error::{Error, Status};
pub use event_loop::RunMode;
pub use runtime::{ConsoleLevel, RunOutcome, Runtime, RuntimeOptions};
pub use values::Value;
