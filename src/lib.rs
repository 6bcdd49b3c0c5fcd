//! v8runner: run JavaScript in V8 from C and Go.
//!
//! The crate has two layers:
//! * safe Rust over the `v8` crate: [`platform`], [`isolate`], [`value`],
//!   [`error`], [`runv8`] (the classic call on pooled isolates) and
//!   [`runtime`] (a stateful isolate + context, the façade over the
//!   subsystems: [`event_loop`], [`notifier`], [`work`], [`host`],
//!   [`async_hooks`], [`function`]);
//! * the C ABI in [`ffi`], the only place that touches raw pointers. Its
//!   doc comments become `include/v8runner.h`.

pub mod async_hooks;
mod core;
mod entry;
pub mod error;
pub mod event_loop;
pub mod function;
pub mod host;
pub mod inspector;
pub mod inspector_server;
pub mod isolate;
pub mod module;
mod natives;
pub mod notifier;
mod object;
pub mod observe;
pub mod platform;
mod profiler;
pub mod refs;
pub mod runtime;
pub mod runv8;
pub mod snapshot;
pub mod value;
mod watchdog;
mod web;
pub mod work;

pub mod ffi;

pub use crate::core::{ConsoleLevel, ConsoleSink, ErrorSink};
pub use error::{Error, ErrorData, Status};
pub use event_loop::{RunMode, RunOutcome};
pub use function::FunctionRef;
pub use refs::{ObjectRef, ObjectType};
pub use runtime::{Runtime, RuntimeOptions};
pub use value::{Conv, Value};
