//! Versions: of this library and of the V8 inside it.

use std::ffi::{c_char, CString};

use once_cell::sync::Lazy;

/// The version of the library running (`"0.1.0"`), to compare with the
/// `V8RUNNER_VERSION` of the header a program was compiled with. A static
/// string: never freed. Any thread.
#[no_mangle]
pub extern "C" fn v8r_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The version of the V8 inside the library (`"15.2.124.1-rusty"`). A static
/// string: never freed. Any thread, V8 started or not.
#[no_mangle]
pub extern "C" fn v8r_v8_version() -> *const c_char {
    static VERSION: Lazy<CString> = Lazy::new(|| CString::new(v8::V8::get_version()).unwrap_or_default());
    VERSION.as_ptr()
}
