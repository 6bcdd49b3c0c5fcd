//! The error model shared by every layer: a status with stable numbers and
//! an error value carrying message, stack and location.

use std::ffi::CStr;
use std::fmt;

use crate::refs::ObjectRef;

/// Result of every call in the rich C API. The numbers are stable: new codes
/// are only ever appended.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// The script did not compile.
    SyntaxError = 1,
    /// The script threw an exception.
    Exception = 2,
    /// Execution was terminated (v8r_runtime_terminate or a timeout).
    Terminated = 3,
    /// The heap limit was reached; the runtime is closed.
    HeapLimit = 4,
    /// Called from a thread that may not use this object.
    WrongThread = 5,
    /// The handle was freed, or the runtime was closed.
    Closed = 6,
    /// An argument was invalid: NULL, bad length, invalid UTF-8, bad enum.
    BadInput = 7,
    /// A bug in v8runner (a caught panic); the message says where.
    Internal = 8,
    /// A bounded notifier queue is full (non-blocking send).
    QueueFull = 9,
    /// The notifier is closed (or closing); the payload was not queued.
    Closing = 10,
    /// A work request was canceled before it started (after-callback status).
    Canceled = 11,
    /// Too late: the work already started, or the pool already runs.
    Busy = 12,
    /// A wait ran out of time.
    Timeout = 13,
    /// The process cannot get the memory V8 needs (an address-space limit
    /// such as `ulimit -v`, or allocation failure); nothing was created.
    OutOfMemory = 14,
    /// Waiting for a promise that nothing in the event loop can settle
    /// any more (no timer, notifier, work or host promise is pending).
    Pending = 15,
    /// The name is taken: a global exists already (register with replace
    /// to put a function there anyway).
    Exists = 16,
}

impl Status {
    /// Every status, in number order.
    const ALL: [Status; 17] = [
        Status::Ok,
        Status::SyntaxError,
        Status::Exception,
        Status::Terminated,
        Status::HeapLimit,
        Status::WrongThread,
        Status::Closed,
        Status::BadInput,
        Status::Internal,
        Status::QueueFull,
        Status::Closing,
        Status::Canceled,
        Status::Busy,
        Status::Timeout,
        Status::OutOfMemory,
        Status::Pending,
        Status::Exists,
    ];

    /// The status with this number, if there is one (numbers from C are
    /// validated, never cast).
    pub fn from_u32(n: u32) -> Option<Status> {
        Status::ALL.get(n as usize).copied()
    }

    /// Short name ("syntax error", ...), NUL-terminated for C.
    pub fn c_name(self) -> &'static CStr {
        match self {
            Status::Ok => c"ok",
            Status::SyntaxError => c"syntax error",
            Status::Exception => c"exception",
            Status::Terminated => c"terminated",
            Status::HeapLimit => c"heap limit",
            Status::WrongThread => c"wrong thread",
            Status::Closed => c"closed",
            Status::BadInput => c"bad input",
            Status::Internal => c"internal error",
            Status::QueueFull => c"queue full",
            Status::Closing => c"closing",
            Status::Canceled => c"canceled",
            Status::Busy => c"busy",
            Status::Timeout => c"timeout",
            Status::OutOfMemory => c"out of memory",
            Status::Pending => c"pending",
            Status::Exists => c"exists",
        }
    }

    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("?")
    }
}

/// A failed call: what kind, what JS said, and where. Boxed, so that a
/// `Result<Value, Error>` stays two words wide on the call path; the
/// fields read through `Deref` (`err.kind`, `err.message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorData>);

/// The fields of an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorData {
    pub kind: Status,
    pub message: String,
    /// `error.stack` when the exception was an Error object.
    pub stack: Option<String>,
    pub resource_name: Option<String>,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// The thrown value's constructor name ("RangeError", a class name)
    /// when it was an object.
    pub name: Option<String>,
    /// The thrown value itself, live, when it was an object (and the call
    /// had a reference table: not one-shot calls).
    pub exception: Option<ObjectRef>,
    /// The host's tag on the thrown Error, or on an Error in its `cause`
    /// chain (see `host::Thrown`); 0 for none.
    pub host_tag: u64,
}

impl Error {
    pub fn new(kind: Status, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorData {
            kind,
            message: message.into(),
            stack: None,
            resource_name: None,
            line: 0,
            column: 0,
            name: None,
            exception: None,
            host_tag: 0,
        }))
    }

    /// The fields, unboxed (to move them out).
    pub fn into_data(self) -> ErrorData {
        *self.0
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::new(Status::BadInput, message)
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.resource_name, self.line) {
            (Some(name), line) if line > 0 => {
                write!(f, "{}:{}:{}: {}", name, line, self.column, self.message)
            }
            (None, line) if line > 0 => write!(f, "line {}: {}", line, self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Error {}

/// Text of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
