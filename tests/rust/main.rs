//! Rust tests of the safe layer (the C tests cover the ABI, the Go tests
//! the package): one binary on purpose, since each links all of V8, with a
//! module per concept.

mod error;
mod inspector;
mod module;
mod object;
mod runtime;
mod runv8;
mod snapshot;

use v8runner::RuntimeOptions;

pub(crate) fn any_thread() -> RuntimeOptions {
    RuntimeOptions {
        any_thread: true,
        ..Default::default()
    }
}
