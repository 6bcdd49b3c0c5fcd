//! Function references: a JS function of one runtime, looked up once and
//! called many times without a lookup by name.

/// A JS function held across calls (from [`crate::Runtime::function`]).
/// It stays valid when the global it came from is reassigned. Dropping it
/// on any thread is fine, also after its runtime is gone.
pub struct FunctionRef(pub(crate) v8::Global<v8::Function>);
