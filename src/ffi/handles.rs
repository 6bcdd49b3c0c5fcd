//! Opaque handles: C sees a number dressed as a pointer, never a Rust
//! address. Looking one up after it was freed, or a made-up one, fails
//! cleanly instead of touching freed memory. Numbers are never reused, and
//! each table numbers its handles in a space of its own, so a handle of one
//! type passed where another is expected (a notifier cast to a runtime) is
//! refused as "not a runtime", never mistaken for one.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Status};

/// Far above any user-space address (x86-64 user space ends below 2^47), so
/// a handle is never a real pointer, never a small integer passed by
/// mistake, and Go's GC ignores it when held in a pointer.
const HANDLE_BASE: usize = 1 << 60;
/// Bits 52..56 say which table a handle belongs to; bits 4..52 number it.
const KIND_SHIFT: u32 = 52;
const NUMBER_MASK: usize = (1 << (KIND_SHIFT - 4)) - 1;

/// The tables, one per handle type (the tag inside every handle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandleKind {
    Runtime = 1,
    Notifier = 2,
    Function = 3,
    Promise = 4,
    Work = 5,
    Object = 6,
    Snapshot = 7,
}

impl HandleKind {
    fn what(self) -> &'static str {
        match self {
            HandleKind::Runtime => "runtime",
            HandleKind::Notifier => "notifier",
            HandleKind::Function => "function",
            HandleKind::Promise => "promise",
            HandleKind::Work => "work request",
            HandleKind::Object => "object",
            HandleKind::Snapshot => "snapshot",
        }
    }
}

/// Handles are unique numbers picked by us, not attacker-chosen keys: a
/// multiplicative hash is enough and much cheaper than SipHash per lookup.
#[derive(Default)]
struct HandleHasher(u64);

impl Hasher for HandleHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing; the low 4 bits of a handle are always zero.
        self.0 = ((n as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Items<T> = HashMap<usize, Arc<T>, BuildHasherDefault<HandleHasher>>;

pub(crate) struct HandleTable<T> {
    kind: HandleKind,
    items: Mutex<Items<T>>,
    next: AtomicUsize,
}

impl<T> HandleTable<T> {
    pub(crate) fn new(kind: HandleKind) -> Self {
        HandleTable {
            kind,
            items: Mutex::new(Items::default()),
            next: AtomicUsize::new(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Items<T>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The handle of number `n` in this table.
    pub(crate) fn handle_for(&self, n: u64) -> usize {
        HANDLE_BASE | (self.kind as usize) << KIND_SHIFT | ((n as usize) & NUMBER_MASK) << 4
    }

    /// Store `item`; returns its handle (never 0).
    pub(crate) fn insert(&self, item: T) -> usize {
        self.insert_arc(Arc::new(item))
    }

    /// Store an existing shared item; returns its handle (never 0).
    pub(crate) fn insert_arc(&self, item: Arc<T>) -> usize {
        let handle = self.handle_for(self.next.fetch_add(1, Ordering::Relaxed) as u64);
        self.lock().insert(handle, item);
        handle
    }

    /// Store `item` under the handle of its own unique number `n`.
    pub(crate) fn insert_numbered(&self, n: u64, item: Arc<T>) -> usize {
        let handle = self.handle_for(n);
        self.lock().insert(handle, item);
        handle
    }

    /// The live item behind `handle`. NULL is bad input; a freed, forged or
    /// other-typed handle is `Closed`, with a message naming the type.
    pub(crate) fn lookup<P>(&self, handle: *mut P) -> Result<Arc<T>, Error> {
        let what = self.kind.what();
        if handle.is_null() {
            return Err(Error::bad_input(format!("{what} is NULL")));
        }
        if let Some(item) = self.lock().get(&(handle as usize)).cloned() {
            return Ok(item);
        }
        let h = handle as usize;
        let message = match h & !(HANDLE_BASE | (0xf << KIND_SHIFT) | NUMBER_MASK << 4) == 0 && h & HANDLE_BASE != 0 {
            true if (h >> KIND_SHIFT) & 0xf != self.kind as usize => format!("not a {what} handle"),
            _ => format!("invalid or freed {what} handle"),
        };
        Err(Error::new(Status::Closed, message))
    }

    /// Forget `handle`; returns the item so the caller decides where it drops.
    pub(crate) fn remove<P>(&self, handle: *mut P) -> Option<Arc<T>> {
        self.lock().remove(&(handle as usize))
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}
