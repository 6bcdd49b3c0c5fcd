//! Startup snapshots: a runtime's JS heap serialized by V8, from which new
//! runtimes start instead of building their environment again.
//!
//! Two kinds: the built-in one (the prelude's environment, made once per
//! process by the first runtime and used by every later one), and a
//! host's own (`Runtime::snapshot` of a runtime created `for_snapshot`,
//! after it evaluated its bootstrap code).
//!
//! V8 trusts a snapshot blindly: one from another V8, other flags or with
//! a flipped bit aborts the process or worse. So the blob travels in an
//! envelope that names the build that made it and carries checksums, all
//! checked before V8 sees a byte. Native callbacks are serialized as
//! indexes into [`external_references`], the same list in every process
//! of this build.

use std::borrow::Cow;
use std::sync::Arc;

use once_cell::sync::{Lazy, OnceCell};

use crate::core::Core;
use crate::error::{Error, Status};
use crate::isolate::Vm;
use crate::natives;
use crate::runtime::{Runtime, RuntimeOptions};

const MAGIC: &[u8; 8] = b"V8RSNAP\x01";
/// magic, header checksum (u32), payload length (u64), payload checksum
/// (u32), build text length (u16); then the build text, then the payload.
const FIXED: usize = 8 + 4 + 8 + 4 + 2;

/// Serialized runtime state in its envelope, checked.
pub struct Snapshot {
    bytes: Box<[u8]>,
    payload_at: usize,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({} bytes)", self.bytes.len())
    }
}

/// What must match between the build that made a snapshot and the one
/// that loads it: this library, V8 and the V8 flags in effect (V8 lays
/// out its heap by them) and the native callbacks V8 refers to by index.
fn build_text() -> &'static str {
    static TEXT: Lazy<String> = Lazy::new(|| {
        format!(
            "v8runner {}; V8 {}; flags {:08x}; natives {}",
            env!("CARGO_PKG_VERSION"),
            v8::V8::get_version(),
            crc32fast::hash(crate::platform::flags_in_effect().as_bytes()),
            external_references().len()
        )
    });
    &TEXT
}

impl Snapshot {
    /// Wrap a blob V8 just made.
    pub(crate) fn from_blob(blob: &[u8]) -> Snapshot {
        let build = build_text().as_bytes();
        let mut bytes = Vec::with_capacity(FIXED + build.len() + blob.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&[0; 4]); // header checksum, below
        bytes.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(blob).to_le_bytes());
        bytes.extend_from_slice(&(build.len() as u16).to_le_bytes());
        bytes.extend_from_slice(build);
        let header_sum = crc32fast::hash(&bytes[12..]);
        bytes[8..12].copy_from_slice(&header_sum.to_le_bytes());
        let payload_at = bytes.len();
        bytes.extend_from_slice(blob);
        Snapshot {
            bytes: bytes.into_boxed_slice(),
            payload_at,
        }
    }

    /// Check `bytes` (from [`Snapshot::bytes`], this process or another)
    /// and copy them. Refused: not a snapshot, damaged, or made by another
    /// build of v8runner, V8 or other V8 flags.
    pub fn from_bytes(bytes: &[u8]) -> Result<Arc<Snapshot>, Error> {
        let bad = |why: &str| Error::bad_input(format!("not a usable v8runner snapshot: {why}"));
        if bytes.len() < FIXED || &bytes[..8] != MAGIC {
            return Err(bad("it does not start with a v8runner snapshot header"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap_or_default());
        let payload_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap_or_default());
        let build_len = u16::from_le_bytes([bytes[24], bytes[25]]) as usize;
        let payload_at = FIXED + build_len;
        if bytes.len() < payload_at {
            return Err(bad("it is truncated"));
        }
        if crc32fast::hash(&bytes[12..payload_at]) != u32_at(8) {
            return Err(bad("its header is damaged"));
        }
        let build = String::from_utf8_lossy(&bytes[FIXED..payload_at]);
        if build != build_text() {
            return Err(bad(&format!(
                "it was made by another build ({build}); this is {}",
                build_text()
            )));
        }
        if (bytes.len() - payload_at) as u64 != payload_len {
            return Err(bad(&format!(
                "it holds {} bytes of heap where its header says {payload_len}",
                bytes.len() - payload_at
            )));
        }
        let payload = &bytes[payload_at..];
        if crc32fast::hash(payload) != u32_at(20) {
            return Err(bad("its contents are damaged (checksum mismatch)"));
        }
        // SAFETY: the borrow ends with this statement, before `bytes` can.
        let borrowed: &'static [u8] = unsafe { std::mem::transmute::<&[u8], &'static [u8]>(payload) };
        if !v8::StartupData::from(borrowed).is_valid() {
            return Err(bad("V8 does not accept it"));
        }
        Ok(Arc::new(Snapshot {
            bytes: bytes.into(),
            payload_at,
        }))
    }

    /// The envelope, to store and load later with [`Snapshot::from_bytes`].
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// V8's blob.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.bytes[self.payload_at..]
    }
}

/// Every native callback a heap can point at, in a fixed order: V8 writes
/// an index into this list where a snapshot refers to one (and aborts on
/// a callback missing from it). Ends with the null V8 expects.
pub(crate) fn external_references() -> &'static [v8::ExternalReference] {
    struct Refs(Vec<v8::ExternalReference>);
    // SAFETY: addresses of functions, never written after creation.
    unsafe impl Send for Refs {}
    unsafe impl Sync for Refs {}
    static REFS: Lazy<Refs> = Lazy::new(|| {
        let mut refs: Vec<v8::ExternalReference> = crate::natives::callbacks()
            .into_iter()
            .map(|function| v8::ExternalReference { function })
            .collect();
        refs.extend(
            crate::natives::accessors()
                .into_iter()
                .map(|pointer| v8::ExternalReference { pointer }),
        );
        refs.push(v8::ExternalReference {
            pointer: std::ptr::null_mut(),
        });
        Refs(refs)
    });
    &REFS.0
}

/// The external references, as V8's create parameters take them.
pub(crate) fn references() -> Cow<'static, [v8::ExternalReference]> {
    Cow::Borrowed(external_references())
}

/// The built-in environment's snapshot, made by the first runtime that
/// needs it. It holds the prelude's environment with the web APIs' natives
/// but not their lazy globals, which a runtime adds after (V8 builds a
/// lazy property faster than it deserializes one). None: made without one
/// (the `V8RUNNER_NO_SNAPSHOT` environment variable, or it could not be
/// made: the runtime then installs its environment itself, as before).
pub(crate) fn builtin() -> Option<Arc<Snapshot>> {
    static ENV: OnceCell<Arc<Snapshot>> = OnceCell::new();
    static OFF: Lazy<bool> = Lazy::new(|| std::env::var_os("V8RUNNER_NO_SNAPSHOT").is_some_and(|v| v != "0"));
    if *OFF {
        return None;
    }
    // Only a snapshot made is kept: a failure (this thread is inside
    // another isolate, say) leaves the next runtime to try again.
    ENV.get_or_try_init(|| {
        let options = RuntimeOptions {
            name: "v8runner:builtin".into(),
            for_snapshot: true,
            ..Default::default()
        };
        let runtime = Runtime::new_builtin_creator(options)?;
        Runtime::into_snapshot(runtime).map(Arc::new)
    })
    .ok()
    .cloned()
}

/// Global handles V8 keeps for objects it cannot serialize (the ICU
/// objects of live Intl formatters, Atomics.waitAsync waiters): V8 aborts
/// the process when a snapshot is made with any. Counted as V8's handles
/// beyond the runtime's own, measured when it was created.
#[derive(Clone, Copy)]
pub(crate) struct HandleBudget {
    /// Bytes of the runtime's own handles (with its context's).
    ours: usize,
    /// Bytes of one handle.
    one: usize,
}

const UNSERIALIZABLE: &str = "its heap holds objects V8 cannot put in a snapshot (live Intl objects such as \
     Intl.DateTimeFormat or Intl.Collator, Atomics.waitAsync waiters): make them after, or let them go";

fn used_handles(isolate: &mut v8::Isolate) -> usize {
    isolate.get_heap_statistics().used_global_handles_size()
}

impl HandleBudget {
    /// At the end of a creator's set-up, just before its context's handle.
    pub(crate) fn measure(scope: &mut v8::PinScope) -> HandleBudget {
        let one = crate::isolate::handle_bytes(scope);
        HandleBudget {
            ours: used_handles(scope) + one,
            one,
        }
    }

    /// Refuse when V8 holds handles the runtime did not make, beside the
    /// `held` references of the host.
    pub(crate) fn check(&self, scope: &mut v8::PinScope, held: usize) -> Result<(), Error> {
        crate::isolate::release_deferred_handles(scope);
        if used_handles(scope).saturating_sub(self.ours + held * self.one) >= self.one {
            return Err(refuse(UNSERIALIZABLE));
        }
        Ok(())
    }

    /// After the teardown only the creator's own handles to the contexts to
    /// serialize are left (see `Vm::keep_context`).
    pub(crate) fn left_after_teardown(&self, isolate: &mut v8::Isolate) -> Result<(), Error> {
        let scope = std::pin::pin!(v8::HandleScope::new(isolate));
        let scope = &mut scope.init();
        crate::isolate::release_deferred_handles(scope);
        if used_handles(scope) > self.one * crate::isolate::KEPT_CONTEXTS {
            return Err(refuse(UNSERIALIZABLE));
        }
        Ok(())
    }
}

/// A runtime that cannot be snapshotted now says why.
pub(crate) fn refuse(what: impl std::fmt::Display) -> Error {
    Error::new(Status::BadInput, format!("cannot snapshot this runtime: {what}"))
}

/// Keep what the runtime needs beside its heap in the snapshot (the
/// environment's parts, the names of its numbered host functions, whether
/// an AsyncLocalStorage exists), with `context` as the one new runtimes
/// start in.
pub(crate) fn keep(
    scope: &mut v8::PinScope,
    vm: &Vm,
    context: v8::Local<v8::Context>,
    core: &Core,
) -> Result<(), Error> {
    let parts = natives::parts(scope, core)?;
    let mut names = Vec::new();
    for name in core.hosts.numbered_names() {
        let name = v8::String::new(scope, &name).ok_or_else(|| Error::bad_input("host function name too long"))?;
        names.push(name.into());
    }
    let names = v8::Array::new_with_elements(scope, &names);
    let flags = v8::Integer::new(scope, core.hooks.context_used() as i32);
    let kept = v8::Array::new_with_elements(scope, &[parts.into(), names.into(), flags.into()]);
    vm.keep_context(scope, context, kept)
}

/// What [`keep`] kept, in a runtime made from the snapshot: the
/// environment's parts (for `natives::attach`); the rest goes to `core`.
pub(crate) fn restore<'s>(scope: &mut v8::PinScope<'s, '_>, core: &Core) -> Result<v8::Local<'s, v8::Array>, Error> {
    let bad = || Error::new(Status::Internal, "the snapshot lacks v8runner's environment");
    let kept = scope
        .get_context_data_from_snapshot_once::<v8::Array>(0)
        .map_err(|_| bad())?;
    let array = |scope: &mut v8::PinScope<'s, '_>, i: u32| {
        kept.get_index(scope, i)
            .and_then(|v| v8::Local::<v8::Array>::try_from(v).ok())
            .ok_or_else(bad)
    };
    let parts = array(scope, 0)?;
    let names = array(scope, 1)?;
    let mut list = Vec::with_capacity(names.length() as usize);
    for i in 0..names.length() {
        let name = names.get_index(scope, i).ok_or_else(bad)?;
        list.push(name.to_rust_string_lossy(scope));
    }
    core.hosts.restore_numbered(list);
    let flags = kept
        .get_index(scope, 2)
        .and_then(|v| v.uint32_value(scope))
        .unwrap_or(0);
    if flags & 1 != 0 {
        core.hooks.use_context();
    }
    Ok(parts)
}
