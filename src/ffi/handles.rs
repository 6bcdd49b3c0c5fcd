//! Opaque handles: C sees a number dressed as a pointer, never a Rust
//! address. Looking one up after it was freed, or a made-up one, fails
//! cleanly instead of touching freed memory. Numbers are never reused.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const HANDLE_BASE: usize = 1 << 60;

/// The handle for an object that carries its own unique id.
pub(crate) fn handle_for_id(id: u64) -> usize {
    HANDLE_BASE | ((id as usize) << 4)
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
    items: Mutex<Items<T>>,
    next: AtomicUsize,
}

impl<T> HandleTable<T> {
    pub(crate) fn new() -> Self {
        HandleTable {
            items: Mutex::new(Items::default()),
            next: AtomicUsize::new(1),
        }
    }

    /// Store `item`; returns its handle (never 0).
    pub(crate) fn insert(&self, item: T) -> usize {
        // Far above any user-space address (x86-64 user space ends below
        // 2^47), so a handle is never a real pointer, never a small integer
        // passed by mistake, and Go's GC ignores it when held in a pointer.
        let id = HANDLE_BASE | (self.next.fetch_add(1, Ordering::Relaxed) << 4);
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::new(item));
        id
    }

    /// Store an existing shared item; returns its handle (never 0).
    pub(crate) fn insert_arc(&self, item: Arc<T>) -> usize {
        let id = HANDLE_BASE | (self.next.fetch_add(1, Ordering::Relaxed) << 4);
        self.items.lock().unwrap_or_else(|e| e.into_inner()).insert(id, item);
        id
    }

    /// Store `item` under a handle derived from its own unique id.
    pub(crate) fn insert_with_id(&self, handle: usize, item: Arc<T>) -> usize {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(handle, item);
        handle
    }

    /// The live item behind `id`, if any.
    pub(crate) fn get(&self, id: usize) -> Option<Arc<T>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    /// Forget `id`; returns the item so the caller decides where it drops.
    pub(crate) fn remove(&self, id: usize) -> Option<Arc<T>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).remove(&id)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}
