//! Function references: a JS function of one runtime, looked up once and
//! called many times without a lookup by name.

use crate::refs::ObjectRef;

/// A JS function held across calls (from [`crate::Runtime::function`]).
/// It stays valid when the global it came from is reassigned. Dropping it
/// on any thread is fine, also after its runtime is gone (its V8 handle is
/// released by the runtime's thread: refs.rs).
pub struct FunctionRef(pub(crate) ObjectRef);
