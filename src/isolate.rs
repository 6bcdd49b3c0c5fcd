//! One V8 isolate as v8runner uses it: shared (`v8::Locker`, so any thread
//! may enter it, one at a time), with a heap guard that turns "out of heap"
//! into an error instead of V8's fatal process abort, and the script runner
//! that maps V8's outcomes onto [`Error`].

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{Error, Status};
use crate::platform;
use crate::refs::Refs;
use crate::snapshot::Snapshot;
use crate::value::{self, Conv, Value};

/// Limits for a new isolate. Zero means "V8's default".
#[derive(Debug, Clone, Copy, Default)]
pub struct HeapLimits {
    pub initial_bytes: usize,
    pub max_bytes: usize,
    /// The most bytes its ArrayBuffers (and typed arrays, SharedArrayBuffers)
    /// may hold at once, outside the JS heap; past it, allocation throws a
    /// RangeError. 0: `max_bytes` (no limit when that is 0 too).
    pub array_buffer_bytes: usize,
}

impl HeapLimits {
    fn array_buffer_limit(&self) -> usize {
        match self.array_buffer_bytes {
            0 => self.max_bytes,
            n => n,
        }
    }
}

/// What an isolate's ArrayBuffers may use, counted by its allocator.
///
/// When it refuses one, V8 retries after GCs and finally runs a last-resort
/// GC, which calls the near-heap-limit callback although the JS heap is
/// fine; `refused` lets that callback tell this case apart (V8 then makes
/// one last attempt, which must not leave the flag set).
struct Budget {
    limit: usize,
    used: std::sync::atomic::AtomicUsize,
    refused: AtomicBool,
    last_attempt: AtomicBool,
}

impl Budget {
    fn reserve(&self, len: usize) -> bool {
        let ok = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(len).filter(|&total| total <= self.limit)
            })
            .is_ok();
        if ok {
            self.refused.store(false, Ordering::SeqCst);
            self.last_attempt.store(false, Ordering::SeqCst);
        } else if !self.last_attempt.swap(false, Ordering::SeqCst) {
            self.refused.store(true, Ordering::SeqCst);
        }
        ok
    }

    /// The near-heap-limit callback runs for a refused allocation.
    fn last_resort(&self) -> bool {
        let refused = self.refused.swap(false, Ordering::SeqCst);
        if refused {
            self.last_attempt.store(true, Ordering::SeqCst);
        }
        refused
    }
}

// The allocator V8 calls for ArrayBuffer memory: malloc and free, refused
// past the budget (V8 then throws a RangeError; nothing aborts). It may be
// called from any thread and must not call into V8.
unsafe extern "C" fn ab_allocate(budget: &Budget, len: usize) -> *mut c_void {
    if !budget.reserve(len) {
        return std::ptr::null_mut();
    }
    // SAFETY: plain allocation; a NULL result is given back to the budget.
    let p = unsafe { libc::calloc(len.max(1), 1) };
    if p.is_null() {
        budget.used.fetch_sub(len, Ordering::AcqRel);
    }
    p
}

unsafe extern "C" fn ab_allocate_uninitialized(budget: &Budget, len: usize) -> *mut c_void {
    if !budget.reserve(len) {
        return std::ptr::null_mut();
    }
    // SAFETY: as above.
    let p = unsafe { libc::malloc(len.max(1)) };
    if p.is_null() {
        budget.used.fetch_sub(len, Ordering::AcqRel);
    }
    p
}

unsafe extern "C" fn ab_free(budget: &Budget, data: *mut c_void, len: usize) {
    // SAFETY: `data` came from one of the two functions above.
    unsafe { libc::free(data) };
    budget.used.fetch_sub(len, Ordering::AcqRel);
}

unsafe extern "C" fn ab_drop(budget: *const Budget) {
    // SAFETY: the reference `limited_allocator` gave V8, dropped once by V8.
    drop(unsafe { Arc::from_raw(budget) });
}

static AB_VTABLE: v8::RustAllocatorVtable<Budget> = v8::RustAllocatorVtable {
    allocate: ab_allocate,
    allocate_uninitialized: ab_allocate_uninitialized,
    free: ab_free,
    drop: ab_drop,
};

fn limited_allocator(budget: &Arc<Budget>) -> v8::UniqueRef<v8::Allocator> {
    let handle = Arc::into_raw(Arc::clone(budget));
    // SAFETY: `handle` stays valid until V8 calls `ab_drop`, and the
    // vtable matches it.
    unsafe { v8::new_rust_allocator(handle, &AB_VTABLE) }
}

/// Near-heap-limit state. Boxed so V8 can keep a stable pointer to it.
struct HeapGuard {
    handle: v8::IsolateHandle,
    /// For reading the heap's size from inside the callback.
    isolate: RawIsolate,
    hit: AtomicBool,
    /// The ArrayBuffer budget, when there is one.
    budget: Option<Arc<Budget>>,
}

impl HeapGuard {
    /// V8's `v8::Isolate*`.
    fn raw(&self) -> *mut c_void {
        // SAFETY: the crate's raw isolate pointer is V8's `v8::Isolate*`
        // (a transparent wrapper); only its address is used here.
        unsafe { std::mem::transmute_copy(&self.isolate.0) }
    }
}

/// The isolate's address, read only by the near-heap-limit callback, which
/// V8 runs on the thread inside the isolate.
struct RawIsolate(v8::UnsafeRawIsolatePtr);
// SAFETY: used only on the thread that holds the isolate (see above).
unsafe impl Send for RawIsolate {}
unsafe impl Sync for RawIsolate {}

/// Called by V8 on the isolate's thread when the heap is nearly full. V8
/// would abort the process at the limit, so stop the script and give it
/// room to unwind; the owner then treats the isolate as spent.
///
/// A termination requested from inside a GC is occasionally not acted on
/// (seen here with allocation-heavy loops), so it is requested again from
/// an interrupt, which V8 runs on the JS thread at its next safe point.
/// The extra room is granted once (double the limit), then only in small
/// steps, so a script that somehow keeps running cannot take the machine.
unsafe extern "C" fn near_heap_limit(data: *mut c_void, current: usize, initial: usize) -> usize {
    let guard = unsafe { &*(data as *const HeapGuard) };
    if guard.budget.as_ref().is_some_and(|b| b.last_resort()) {
        // Not the JS heap: V8's last-resort GC after the budget refused an
        // ArrayBuffer. The allocation fails with a RangeError; no stop.
        return current;
    }
    let first = !guard.hit.swap(true, Ordering::SeqCst);
    guard.handle.terminate_execution();
    guard
        .handle
        .request_interrupt(terminate_from_interrupt, std::ptr::null_mut());
    // V8 aborts if the heap is still over the limit returned, which one
    // huge allocation (`new Array(9e7).fill({})` under a 64 MiB limit)
    // can already be: leave room above what the heap holds now. (Reading
    // the statistics allocates nothing; Node does it here too.)
    // SAFETY: V8 calls this on the thread inside the isolate.
    let mut isolate = unsafe { v8::Isolate::from_raw_isolate_ptr(guard.isolate.0) };
    let held = isolate.get_heap_statistics().total_heap_size();
    let step = initial.max(1 << 20) / 4;
    let room = held.saturating_add(step);
    if first {
        current.saturating_mul(2).max(room)
    } else {
        current.saturating_add(step).max(room)
    }
}

unsafe extern "C" fn terminate_from_interrupt(isolate: v8::UnsafeRawIsolatePtr, _data: *mut c_void) {
    // SAFETY: V8 passes the live isolate whose interrupt this is.
    let isolate = unsafe { v8::Isolate::ref_from_raw_isolate_ptr(&isolate) };
    isolate.terminate_execution();
}

thread_local! {
    /// How many v8runner isolate locks this thread holds. The `v8` crate
    /// panics when a second isolate is locked on a thread, so callers check
    /// this first and fail (or hop threads) cleanly instead.
    static LOCKS_HELD: Cell<usize> = const { Cell::new(0) };
}

/// Whether this thread is inside some v8runner isolate right now.
pub fn thread_in_isolate() -> bool {
    LOCKS_HELD.with(|c| c.get() > 0)
}

/// This thread's locks will never be released (its stack is abandoned,
/// see `entry::abandon_thread`): stop counting them.
pub(crate) fn forget_thread_locks() {
    let _ = LOCKS_HELD.try_with(|c| c.set(0));
}

/// V8's JS stack budget on x64 (`--stack-size`, in KiB), which V8 assumes
/// every thread that enters an isolate has.
const V8_STACK_KIB: usize = 984;

extern "C" {
    // `void v8::Isolate::SetStackLimit(uintptr_t)`: not bound by the v8
    // crate. A non-virtual member function: `this` is the first argument.
    #[link_name = "_ZN2v87Isolate13SetStackLimitEm"]
    fn v8_isolate_set_stack_limit(isolate: *mut c_void, limit: usize);
}

/// The calling thread's stack as (lowest address, size), read once per
/// thread.
fn thread_stack() -> Option<(usize, usize)> {
    thread_local! {
        static STACK: Option<(usize, usize)> = read_thread_stack();
    }
    STACK.try_with(|s| *s).ok().flatten()
}

fn read_thread_stack() -> Option<(usize, usize)> {
    // SAFETY: plain libc queries about the calling thread.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr = std::ptr::null_mut();
        let mut size = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok.then_some((addr as usize, size))
    }
}

/// The stack a call may use below where it enters, when the thread has it
/// (KiB). Twice V8's default: a call that crosses into the host and back
/// (JS → Go → JS ...) spends several KiB of native frames per level, and
/// 200 such levels should fit.
const JS_STACK_KIB: usize = 2 * V8_STACK_KIB;

/// Whether the embedder chose V8's stack size itself (`--stack-size` in
/// V8RUNNER_FLAGS): then only small stacks are adjusted.
fn stack_size_flag_given() -> bool {
    static GIVEN: once_cell::sync::Lazy<bool> = once_cell::sync::Lazy::new(|| {
        std::env::var("V8RUNNER_FLAGS").is_ok_and(|f| f.contains("stack-size") || f.contains("stack_size"))
    });
    *GIVEN
}

/// V8 sets a thread's JS stack limit to `--stack-size` below where it
/// enters, whatever the thread really has: on a small stack (C threads of
/// 256 KiB, musl's 128 KiB) deep recursion would run into the guard page
/// and crash instead of throwing a RangeError. So the limit is set from the
/// real stack: [`JS_STACK_KIB`] below the entry when the thread has that
/// much, else the thread's stack, keeping a reserve for the native code
/// (callbacks, V8's own frames) that runs below JS.
fn fit_stack_limit(isolate: &v8::Isolate) {
    let Some((low, size)) = thread_stack() else { return };
    let here = &size as *const usize as usize;
    let reserve = (size / 4).min(128 << 10);
    let floor = low.saturating_add(reserve);
    let room = here.saturating_sub(floor);
    let limit = if room < V8_STACK_KIB << 10 {
        floor
    } else if stack_size_flag_given() {
        return;
    } else {
        here - room.min(JS_STACK_KIB << 10)
    };
    // SAFETY: a live isolate locked by this thread; the raw pointer is
    // V8's `v8::Isolate*` (the crate's handle is a transparent wrapper).
    unsafe {
        let raw: *mut c_void = std::mem::transmute(isolate.as_raw_isolate_ptr());
        v8_isolate_set_stack_limit(raw, limit);
    }
}

/// An isolate plus its heap guard. Field order is drop order: the isolate
/// goes first, while the guard it points to is still alive.
pub struct Vm {
    isolate: Holder,
    heap: Box<HeapGuard>,
    /// The thread that keeps its V8 state in the isolate between locks
    /// (see [`Vm::park_here`]), and that state.
    park: std::sync::Mutex<Option<Box<Park>>>,
    /// The snapshot the heap came from: V8 reads it until the isolate goes.
    snapshot: Option<Arc<Snapshot>>,
    /// A creator's context to serialize was given (`keep_context`).
    context_kept: AtomicBool,
}

/// Embedder data slots of a runtime's isolate: its `Core` (see
/// `natives::bind_core`), and a mark on snapshot creators.
pub(crate) const CORE_SLOT: u32 = 0;
const CREATOR_SLOT: u32 = 1;

/// Whether `isolate` is a snapshot creator, where V8 refuses (aborts) to
/// make code caches.
pub(crate) fn is_creator(isolate: &v8::Isolate) -> bool {
    !isolate.get_data(CREATOR_SLOT).is_null()
}

/// Contexts a snapshot creator holds once its context is kept: the default
/// one and a bare one (each a V8 handle until the blob is made).
pub(crate) const KEPT_CONTEXTS: usize = 2;

/// Where a new isolate's heap starts from.
pub enum Start {
    /// V8's own snapshot: a bare JS environment.
    V8,
    /// A v8runner snapshot.
    Snapshot(Arc<Snapshot>),
    /// V8's own, in an isolate made to be serialized ([`Vm::create_blob`]).
    Creator,
}

/// How the Vm holds its isolate.
enum Holder {
    /// Held for its drop, which disposes of the isolate.
    #[allow(dead_code)]
    Shared(v8::SharedIsolate),
    /// A snapshot creator, which V8 cannot share: it stays owned, is not
    /// entered between locks, and [`Vm::create_blob`] consumes it (the
    /// only way V8 lets go of one).
    Creator(Option<CreatorIsolate>),
}

struct CreatorIsolate(v8::OwnedIsolate);
// SAFETY: used only under the isolate's Locker, like a shared isolate, and
// consumed on one thread by `create_blob`.
unsafe impl Send for CreatorIsolate {}
unsafe impl Sync for CreatorIsolate {}

// V8's Locker and Unlocker, which the crate only offers as a guard that
// allocates per lock and frees the thread's V8 state at each unlock.
extern "C" {
    fn v8__Locker__CONSTRUCT(buf: *mut RawLocker, isolate: *mut c_void);
    fn v8__Locker__DESTRUCT(this: *mut RawLocker);
    fn v8__Unlocker__CONSTRUCT(buf: *mut RawUnlocker, isolate: *mut c_void);
    fn v8__Unlocker__DESTRUCT(this: *mut RawUnlocker);
    fn v8__Isolate__Enter(isolate: *mut c_void);
    fn v8__Isolate__Exit(isolate: *mut c_void);
    fn v8__Global__Reset(data: *const c_void);
}

/// Release a handle made into a raw cell (`Global::into_raw`), under the
/// isolate's lock.
///
/// # Safety
/// `cell` is such a cell of the isolate held, released once.
pub(crate) unsafe fn reset_raw_handle(cell: *const c_void) {
    unsafe { v8__Global__Reset(cell) };
}

/// Release the handles the `v8` crate deferred: one dropped off the thread
/// that made a non-shared isolate (a snapshot creator) waits for a teardown
/// such an isolate never has, and V8 aborts on it when serializing. Making
/// a handle releases the deferred ones; this one is then released by hand,
/// or it would be deferred in its turn. Under the isolate's lock.
pub(crate) fn release_deferred_handles(scope: &mut v8::PinScope<'_, '_, ()>) {
    let undefined = v8::undefined(scope);
    let probe = v8::Global::new(scope, undefined).into_raw();
    // SAFETY: a live handle cell of this isolate, owned by nothing else.
    unsafe { v8__Global__Reset(probe.as_ptr() as *const c_void) };
}

/// Bytes V8 counts per global handle (`used_global_handles_size`),
/// measured with a handle made and released by hand (never deferred).
pub(crate) fn handle_bytes(scope: &mut v8::PinScope<'_, '_, ()>) -> usize {
    let before = scope.get_heap_statistics().used_global_handles_size();
    let undefined = v8::undefined(scope);
    let probe = v8::Global::new(scope, undefined).into_raw();
    let one = scope
        .get_heap_statistics()
        .used_global_handles_size()
        .saturating_sub(before);
    // SAFETY: a live handle cell of this isolate, owned by nothing else.
    unsafe { v8__Global__Reset(probe.as_ptr() as *const c_void) };
    one.max(1)
}

/// Storage of a `v8::Locker` (two flags and the isolate: not address
/// sensitive, the crate's binding checks the size).
#[repr(C)]
#[derive(Default)]
struct RawLocker([usize; 2]);

/// Storage of a `v8::Unlocker` (the isolate).
#[repr(C)]
#[derive(Default)]
struct RawUnlocker([usize; 1]);

/// A thread's V8 state kept in the isolate between its locks.
///
/// A `v8::Locker` that is not nested frees the thread's V8 state when it
/// unlocks and builds it again at the next lock (thread-locals, stack
/// guard, handle blocks: about 2,000 instructions a cycle, measured). A
/// Locker kept alive with an Unlocker over it instead leaves the state in
/// place, and the same thread's next lock takes it back almost for free.
/// The price: state left by a thread that never comes back is leaked when
/// the isolate is disposed (V8 frees only the current thread's). So only a
/// thread that is sure to come back parks: the loop thread while `run`
/// runs, which gives its state back (`end`) before it returns.
struct Park {
    thread: u64,
    locker: RawLocker,
    unlocker: RawUnlocker,
    /// Whether the Unlocker is constructed (the thread is out).
    out: bool,
}

/// How a [`Locked`] holds the isolate.
enum Hold {
    /// A Locker of its own, destroyed at unlock (or parked).
    Own(RawLocker),
    /// Taken back from this thread's [`Park`].
    Parked,
}

/// A held lock on a [`Vm`]; dereferences to the isolate.
pub struct Locked<'a> {
    vm: &'a Vm,
    isolate: v8::Isolate,
    hold: Option<Hold>,
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let ptr = self.vm.raw();
        // SAFETY: this thread locked and entered the isolate in `Vm::lock`;
        // V8 wants it exited before an Unlocker or the Locker's end.
        unsafe { v8__Isolate__Exit(ptr) };
        let mut park = self.vm.park_slot();
        let me = crate::entry::thread_token();
        match (self.hold.take(), park.as_mut()) {
            (Some(Hold::Parked), Some(p)) if p.thread == me => {
                // SAFETY: the Locker of this thread's park, locked now.
                unsafe { v8__Unlocker__CONSTRUCT(&mut p.unlocker, ptr) };
                p.out = true;
            }
            (Some(Hold::Own(locker)), Some(p)) if p.thread == me && !p.out => {
                p.locker = locker;
                // SAFETY: as above, with the Locker just moved into the park.
                unsafe { v8__Unlocker__CONSTRUCT(&mut p.unlocker, ptr) };
                p.out = true;
            }
            (Some(Hold::Own(mut locker)), _) => {
                // SAFETY: constructed by this thread in `Vm::lock`.
                unsafe { v8__Locker__DESTRUCT(&mut locker) };
            }
            _ => unreachable!("a parked lock outlived its park"),
        }
        // try_with: may run from a thread-local destructor at thread exit.
        let _ = LOCKS_HELD.try_with(|c| c.set(c.get().saturating_sub(1)));
    }
}

impl std::ops::Deref for Locked<'_> {
    type Target = v8::Isolate;
    fn deref(&self) -> &v8::Isolate {
        &self.isolate
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut v8::Isolate {
        &mut self.isolate
    }
}

/// Gives back the parking thread's state when dropped (see
/// [`Vm::park_here`]).
pub struct Parking<'a>(&'a Vm);

impl Drop for Parking<'_> {
    fn drop(&mut self) {
        self.0.unpark_here();
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Before the isolate goes: a thread that parks and disposes of the
        // isolate gives its state back first (other threads never park
        // past their `Parking`).
        self.unpark_here();
        if let Holder::Creator(creator) = &mut self.isolate {
            if let Some(CreatorIsolate(mut owned)) = creator.take() {
                // Never serialized: V8 disposes of a creator only through
                // its blob, which needs a context to hold (an empty one,
                // unless one was kept).
                // SAFETY: nothing holds the isolate (every lock is gone).
                unsafe { v8__Isolate__Enter(self.heap.raw()) };
                let one_handle = {
                    v8::scope!(let scope, &mut owned);
                    release_deferred_handles(scope);
                    if !self.context_kept.load(Ordering::SeqCst) {
                        let context = v8::Context::new(scope, Default::default());
                        scope.set_default_context(context);
                    }
                    handle_bytes(scope)
                };
                // V8 aborts on a handle it cannot serialize: the collection
                // drops those of unreachable objects (Intl's); with any left
                // (an Atomics.waitAsync waiter) the isolate is leaked instead.
                owned.low_memory_notification();
                owned.low_memory_notification();
                let kept = if self.context_kept.load(Ordering::SeqCst) {
                    KEPT_CONTEXTS
                } else {
                    1
                };
                if owned.get_heap_statistics().used_global_handles_size() > one_handle * kept {
                    // SAFETY: entered above; left entered by no one after.
                    unsafe { v8__Isolate__Exit(self.heap.raw()) };
                    std::mem::forget(owned);
                    return;
                }
                drop(owned.create_blob(v8::FunctionCodeHandling::Clear));
            }
        }
    }
}

impl Vm {
    /// Create an isolate. Must not be called while this thread holds
    /// another v8runner isolate (checked by the callers).
    pub fn new(limits: HeapLimits, start: Start) -> Result<Vm, Error> {
        platform::ensure_initialized()?;
        platform::check_address_space(platform::ISOLATE_RESERVATION, "a new isolate")?;
        if thread_in_isolate() {
            return Err(Error::new(
                Status::WrongThread,
                "cannot create an isolate while this thread is inside another one",
            ));
        }
        let mut params = v8::CreateParams::default();
        if limits.max_bytes > 0 {
            params = params.heap_limits(limits.initial_bytes.min(limits.max_bytes), limits.max_bytes);
        }
        // Always counted (heap statistics report it), limited when asked.
        let budget = Arc::new(Budget {
            limit: match limits.array_buffer_limit() {
                0 => usize::MAX,
                n => n,
            },
            used: std::sync::atomic::AtomicUsize::new(0),
            refused: AtomicBool::new(false),
            last_attempt: AtomicBool::new(false),
        });
        params = params.array_buffer_allocator(limited_allocator(&budget));
        let budget = Some(budget);
        params = params.external_references(crate::snapshot::references());
        let creator = matches!(start, Start::Creator);
        let snapshot = match start {
            Start::Snapshot(snapshot) => {
                // SAFETY: the Vm keeps the snapshot alive past the isolate.
                let blob: &'static [u8] = unsafe { std::mem::transmute::<&[u8], &'static [u8]>(snapshot.payload()) };
                params = params.snapshot_blob(v8::StartupData::from(blob));
                Some(snapshot)
            }
            _ => None,
        };
        let mut owned = if creator {
            v8::Isolate::snapshot_creator(None, Some(params))
        } else {
            v8::Isolate::new(params)
        };
        owned.set_microtasks_policy(v8::MicrotasksPolicy::Explicit);
        if creator {
            owned.set_data(CREATOR_SLOT, std::ptr::dangling_mut::<c_void>());
        }
        let heap = Box::new(HeapGuard {
            handle: owned.thread_safe_handle(),
            // SAFETY: the isolate outlives the guard (Vm's field order).
            isolate: RawIsolate(unsafe { owned.as_raw_isolate_ptr() }),
            hit: AtomicBool::new(false),
            budget,
        });
        owned.add_near_heap_limit_callback(near_heap_limit, &*heap as *const HeapGuard as *mut c_void);
        let isolate = if creator {
            // Locked and entered per call like a shared one (V8 allows a
            // serializing isolate that), so not entered in between.
            // SAFETY: entered by its creation on this thread.
            unsafe { v8__Isolate__Exit(heap.raw()) };
            Holder::Creator(Some(CreatorIsolate(owned)))
        } else {
            // SAFETY: nothing stored in the isolate is thread-bound (no slots,
            // no weak handles yet), which is what sharing requires.
            let shared = unsafe { owned.try_into_shared() }
                .map_err(|e| Error::new(Status::Internal, format!("cannot share isolate: {e:?}")))?;
            Holder::Shared(shared)
        };
        Ok(Vm {
            isolate,
            heap,
            park: std::sync::Mutex::new(None),
            snapshot,
            context_kept: AtomicBool::new(false),
        })
    }

    /// Whether this isolate is a snapshot creator.
    pub fn is_creator(&self) -> bool {
        matches!(self.isolate, Holder::Creator(_))
    }

    /// Make `context` the one isolates made from this creator's snapshot
    /// start in, plus a bare one (see [`KEPT_CONTEXTS`]), with `data` for
    /// them to read once (index 0). Once.
    pub fn keep_context(
        &self,
        isolate: &mut v8::Isolate,
        context: v8::Local<v8::Context>,
        data: v8::Local<v8::Array>,
    ) -> Result<(), Error> {
        if !self.is_creator() || self.context_kept.swap(true, Ordering::SeqCst) {
            return Err(Error::new(
                Status::Internal,
                "not a snapshot creator, or its context is kept already",
            ));
        }
        isolate.add_context_data(context, data);
        isolate.set_default_context(context);
        // And a bare one (index 0), for one-shot calls on such isolates.
        let scope = std::pin::pin!(v8::HandleScope::new(isolate));
        let scope = &mut scope.init();
        let bare = v8::Context::new(scope, Default::default());
        scope.add_context(bare);
        Ok(())
    }

    /// The snapshot index of a bare context, in an isolate that started
    /// from a v8runner snapshot (see `keep_context`).
    pub fn bare_context(&self) -> Option<usize> {
        self.snapshot.as_ref().map(|_| 0)
    }

    /// Serialize the heap with `context` as the one new isolates start
    /// with (set by the caller, under the lock, with every handle into the
    /// heap dropped since), consuming the isolate. Functions keep their
    /// compiled code. No lock may be held, by any thread.
    pub fn create_blob(mut self) -> Result<Vec<u8>, Error> {
        let Holder::Creator(creator) = &mut self.isolate else {
            return Err(Error::new(Status::Internal, "not a snapshot creator"));
        };
        let Some(CreatorIsolate(owned)) = creator.take() else {
            return Err(Error::new(Status::Internal, "the isolate was serialized already"));
        };
        // SAFETY: unlocked; V8 wants the isolate entered to serialize it
        // and exits it when it disposes of it after.
        unsafe { v8__Isolate__Enter(self.heap.raw()) };
        let blob = owned
            .create_blob(v8::FunctionCodeHandling::Keep)
            .ok_or_else(|| Error::new(Status::Internal, "V8 could not serialize the heap"))?;
        Ok(blob.to_vec())
    }

    /// Lock and enter the isolate on this thread.
    pub fn lock(&self) -> Result<Locked<'_>, Error> {
        if thread_in_isolate() {
            return Err(Error::new(
                Status::WrongThread,
                "this thread is already inside a v8runner isolate (nested call)",
            ));
        }
        let ptr = self.raw();
        // Not under the park's mutex: taking V8's lock may wait for a thread
        // that needs the mutex to give V8's lock back.
        let parked: Option<*mut RawUnlocker> = match self.park_slot().as_mut() {
            Some(p) if p.out && p.thread == crate::entry::thread_token() => {
                p.out = false;
                Some(&mut p.unlocker)
            }
            _ => None,
        };
        let hold = match parked {
            Some(unlocker) => {
                // SAFETY: this thread's own Unlocker, in a box only this
                // thread frees: its end relocks and takes back the state this
                // thread left.
                unsafe { v8__Unlocker__DESTRUCT(unlocker) };
                Hold::Parked
            }
            None => {
                let mut locker = RawLocker::default();
                // SAFETY: a live isolate this thread does not hold.
                unsafe { v8__Locker__CONSTRUCT(&mut locker, ptr) };
                Hold::Own(locker)
            }
        };
        // SAFETY: locked by this thread just now.
        unsafe { v8__Isolate__Enter(ptr) };
        // SAFETY: the isolate is live, locked and entered by this thread
        // until the `Locked` is dropped.
        let isolate =
            unsafe { v8::Isolate::from_raw_isolate_ptr_unchecked(std::mem::transmute_copy(&self.heap.isolate.0)) };
        let locked = Locked {
            vm: self,
            isolate,
            hold: Some(hold),
        };
        LOCKS_HELD.with(|c| c.set(c.get() + 1));
        // A new Locker: V8 reset the limit for this thread. (State taken
        // back from a park keeps the limit set then: still above this
        // thread's floor wherever the call starts.)
        if matches!(locked.hold, Some(Hold::Own(_))) {
            fit_stack_limit(&locked);
        }
        Ok(locked)
    }

    /// Keep this thread's V8 state in the isolate between its locks until
    /// the returned guard is dropped, on this thread, with no lock held
    /// (see [`Park`]). The caller makes sure the thread comes back. One
    /// thread parks at a time: None when one does already (maybe this one).
    pub fn park_here(&self) -> Option<Parking<'_>> {
        self.park_here_for_good().then(|| Parking(self))
    }

    /// [`Vm::park_here`] until the `Vm` is dropped, which must then happen
    /// on this thread. Returns whether this thread parks now.
    pub fn park_here_for_good(&self) -> bool {
        let mut park = self.park_slot();
        if park.is_some() || thread_in_isolate() {
            return false;
        }
        *park = Some(Box::new(Park {
            thread: crate::entry::thread_token(),
            locker: RawLocker::default(),
            unlocker: RawUnlocker::default(),
            out: false,
        }));
        true
    }

    /// Give back this thread's parked state, if it has one.
    fn unpark_here(&self) {
        let mut slot = self.park_slot();
        if slot.as_ref().is_none_or(|p| p.thread != crate::entry::thread_token()) {
            return;
        }
        let Some(mut park) = slot.take() else { return };
        drop(slot);
        if park.out {
            // SAFETY: this thread's Locker under its Unlocker: take the lock
            // back (this may wait for another thread's call), then end the
            // Locker, which frees this thread's V8 state and unlocks.
            unsafe {
                v8__Unlocker__DESTRUCT(&mut park.unlocker);
                v8__Locker__DESTRUCT(&mut park.locker);
            }
        }
    }

    fn park_slot(&self) -> std::sync::MutexGuard<'_, Option<Box<Park>>> {
        self.park.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// V8's `v8::Isolate*`.
    fn raw(&self) -> *mut c_void {
        self.heap.raw()
    }

    /// Thread-safe handle for terminate.
    pub fn handle(&self) -> v8::IsolateHandle {
        self.heap.handle.clone()
    }

    /// Bytes the isolate's ArrayBuffers (typed arrays, SharedArrayBuffers)
    /// hold now, outside the JS heap.
    pub fn array_buffer_bytes(&self) -> usize {
        self.heap.budget.as_ref().map_or(0, |b| b.used.load(Ordering::Relaxed))
    }

    /// Whether the heap limit was reached; such an isolate is spent.
    pub fn heap_limit_hit(&self) -> bool {
        self.heap.hit.load(Ordering::SeqCst)
    }
}

/// What a script run should hand back.
#[derive(Clone, Copy)]
pub enum Want<'a> {
    /// `String(value)`, as the classic `runv8` returns.
    Text,
    /// A typed [`Value`], converted as the [`Conv`] says.
    Typed(Conv<'a>),
}

/// Turn what a TryCatch holds into an [`Error`] of kind `$kind` (or
/// terminated / heap limit when that is what happened). A macro because the
/// TryCatch scope type is not practical to name in a signature.
macro_rules! caught {
    ($tc:expr, $vm:expr, $kind:expr) => {
        $crate::isolate::caught!($tc, $vm, $kind, None)
    };
    ($tc:expr, $vm:expr, $kind:expr, $refs:expr) => {{
        let tc = &mut *$tc;
        if tc.has_terminated() || $vm.heap_limit_hit() {
            if $vm.heap_limit_hit() {
                $crate::error::Error::new(
                    $crate::error::Status::HeapLimit,
                    "JavaScript heap limit reached; the isolate was stopped",
                )
            } else {
                $crate::error::Error::new($crate::error::Status::Terminated, "execution terminated")
            }
        } else if let Some(exception) = tc.exception() {
            let mut err = $crate::error::Error::new($kind, String::new());
            if let Some(message) = tc.message() {
                err.message = $crate::isolate::message_text(tc, message, exception);
                err.line = message.get_line_number(tc).unwrap_or(0) as u32;
                err.column = message.get_start_column() as u32 + 1;
                if let Some(name) = message.get_script_resource_name(tc) {
                    if !name.is_undefined() && !name.is_null() {
                        err.resource_name = Some(name.to_rust_string_lossy(tc));
                    }
                }
            } else {
                err.message = $crate::value::to_display_string(tc, exception).unwrap_or_else(|| "exception".into());
            }
            if let Some(stack) = tc.stack_trace() {
                if stack.is_string() {
                    err.stack = Some(stack.to_rust_string_lossy(tc));
                }
            }
            $crate::isolate::exception_details(tc, exception, $refs, &mut err);
            err
        } else {
            $crate::error::Error::new($kind, "unknown error (no exception was caught)")
        }
    }};
}
pub(crate) use caught;

/// V8's text for `message` ("Uncaught ..."), about `exception`. V8
/// describes a thrown object without running its code, so an error whose
/// name and message are accessors (DOMException) comes out as a bare
/// "Uncaught ": then the object itself is asked (`String(exception)`; if
/// that throws too, V8's text stays).
pub(crate) fn message_text(
    scope: &mut v8::PinScope,
    message: v8::Local<v8::Message>,
    exception: v8::Local<v8::Value>,
) -> String {
    let text = message.get(scope).to_rust_string_lossy(scope);
    if text.trim_end() != "Uncaught" {
        return text;
    }
    v8::tc_scope!(let tc, scope);
    match exception.to_string(tc) {
        Some(own) => format!("Uncaught {}", own.to_rust_string_lossy(tc)),
        None => text,
    }
}

/// The private symbol under which a host-made Error carries its tag.
pub(crate) fn host_tag_key<'s>(scope: &mut v8::PinScope<'s, '_>) -> v8::Local<'s, v8::Private> {
    let name = v8::String::new(scope, "v8runner.host_tag");
    v8::Private::for_api(scope, name)
}

/// What an error learns from the thrown value when it is an object: its
/// constructor's name, the value itself (live, when `refs` is given) and
/// the host's tag on it or on an Error of its `cause` chain. No JS runs
/// (no getter is called).
pub(crate) fn exception_details(
    scope: &mut v8::PinScope,
    exception: v8::Local<v8::Value>,
    refs: Option<&Arc<Refs>>,
    err: &mut Error,
) {
    let Ok(object) = v8::Local::<v8::Object>::try_from(exception) else {
        return;
    };
    err.name = Some(object.get_constructor_name().to_rust_string_lossy(scope));
    if let Some(refs) = refs {
        err.exception = Some(refs.keep(scope, exception));
    }
    let key = host_tag_key(scope);
    let Some(cause_key) = v8::String::new(scope, "cause") else {
        return;
    };
    let mut current = object;
    for _ in 0..32 {
        if let Some(tag) = current.get_private(scope, key).filter(|t| t.is_number()) {
            let tag = tag.number_value(scope).unwrap_or(0.0);
            if tag >= 1.0 {
                err.host_tag = tag as u64;
                return;
            }
        }
        // The cause as a plain data property: a getter would run JS.
        let Some(desc) = current.get_own_property_descriptor(scope, cause_key.into()) else {
            return;
        };
        // (undefined: no such property; to_object would throw.)
        let Ok(desc) = v8::Local::<v8::Object>::try_from(desc) else {
            return;
        };
        let Some(value_key) = v8::String::new(scope, "value") else {
            return;
        };
        match desc
            .get(scope, value_key.into())
            .and_then(|c| v8::Local::<v8::Object>::try_from(c).ok())
        {
            Some(cause) => current = cause,
            None => return,
        }
    }
}

/// Code cache data to compile a script with, and where to say whether V8
/// took it (false: rejected, e.g. stale or foreign data; the script then
/// compiled in full).
pub struct CodeCache<'a> {
    pub data: &'a [u8],
    pub accepted: &'a std::cell::Cell<bool>,
}

/// `text` as a V8 string and its origin, named `resource_name` (a module
/// when `module`). `what` names the text in errors.
fn code_and_origin<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    text: &str,
    resource_name: &str,
    module: bool,
    what: &str,
) -> Result<(v8::Local<'s, v8::String>, v8::ScriptOrigin<'s>), Error> {
    let code = v8::String::new(scope, text).ok_or_else(|| Error::bad_input(format!("{what} is too large for V8")))?;
    let name = v8::String::new(scope, resource_name).ok_or_else(|| Error::bad_input("resource name too large"))?;
    let origin = v8::ScriptOrigin::new(scope, name.into(), 0, 0, false, 0, None, false, false, module, None);
    Ok((code, origin))
}

/// V8's source for `text` (see [`code_and_origin`]), carrying code cache
/// data when given.
pub(crate) fn compile_source(
    scope: &mut v8::PinScope,
    text: &str,
    resource_name: &str,
    module: bool,
    cache: Option<&[u8]>,
    what: &str,
) -> Result<v8::script_compiler::Source, Error> {
    let (code, origin) = code_and_origin(scope, text, resource_name, module, what)?;
    Ok(match cache {
        Some(data) => {
            let data = v8::script_compiler::CachedData::new(data);
            v8::script_compiler::Source::new_with_cached_data(code, Some(&origin), data)
        }
        None => v8::script_compiler::Source::new(code, Some(&origin)),
    })
}

/// The compile options for a source from [`compile_source`], and after the
/// compile whether V8 took its cache (false: rejected, or none given).
pub(crate) fn cache_options(cache: Option<&[u8]>) -> v8::script_compiler::CompileOptions {
    match cache {
        Some(_) => v8::script_compiler::CompileOptions::ConsumeCodeCache,
        None => v8::script_compiler::CompileOptions::NoCompileOptions,
    }
}

pub(crate) fn cache_accepted(source: &v8::script_compiler::Source) -> bool {
    source.get_cached_data().is_some_and(|c| !c.rejected())
}

/// Compile a classic script (with `cache` when given). `Ok(None)`: it did
/// not compile (the exception is pending).
pub(crate) fn compile_script<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    source: &str,
    resource_name: &str,
    cache: Option<CodeCache>,
) -> Result<Option<v8::Local<'s, v8::Script>>, Error> {
    let Some(cache) = cache else {
        // The call path: no script_compiler::Source to build and drop.
        let (code, origin) = code_and_origin(scope, source, resource_name, false, "script")?;
        return Ok(v8::Script::compile(scope, code, Some(&origin)));
    };
    let data = Some(cache.data);
    let mut src = compile_source(scope, source, resource_name, false, data, "script")?;
    let script = v8::script_compiler::compile(
        scope,
        &mut src,
        cache_options(data),
        v8::script_compiler::NoCacheReason::NoReason,
    );
    cache.accepted.set(cache_accepted(&src));
    Ok(script)
}

/// V8's code cache of one of the library's own scripts (the prelude, the
/// web APIs), made from the first runtime of the process that ran it (after
/// running: it holds what that compiled, and the rest stays lazy, so a
/// runtime's heap is no bigger than without it) and used by every later
/// one, which then does not parse it. V8 checks a cache against the source
/// and its own version and flags, and compiles afresh when it does not fit.
pub(crate) struct BuiltinCache(once_cell::sync::OnceCell<Vec<u8>>);

impl BuiltinCache {
    pub(crate) const fn new() -> BuiltinCache {
        BuiltinCache(once_cell::sync::OnceCell::new())
    }

    /// `source` (named `name`) compiled for the current context.
    pub(crate) fn compile<'s>(
        &self,
        scope: &mut v8::PinScope<'s, '_>,
        source: &str,
        name: &str,
    ) -> Option<v8::Local<'s, v8::Script>> {
        let accepted = std::cell::Cell::new(false);
        let cache = self.0.get().filter(|_| !is_creator(scope)).map(|data| CodeCache {
            data,
            accepted: &accepted,
        });
        compile_script(scope, source, name, cache).ok().flatten()
    }

    /// Keep `script`'s code for later runtimes, once it ran (first call
    /// only; later ones do nothing).
    pub(crate) fn remember(&self, scope: &mut v8::PinScope, script: v8::Local<v8::Script>) {
        if self.0.get().is_none() && !is_creator(scope) {
            if let Some(cache) = script.get_unbound_script(scope).create_code_cache() {
                let _ = self.0.set(cache.to_vec());
            }
        }
    }
}

/// V8's code cache for `source` compiled eagerly (every function, so a
/// later load compiles nothing). `Ok(None)`: it did not compile.
pub(crate) fn create_code_cache(
    scope: &mut v8::PinScope,
    source: &str,
    resource_name: &str,
) -> Result<Option<Vec<u8>>, Error> {
    let mut src = compile_source(scope, source, resource_name, false, None, "script")?;
    let Some(unbound) = v8::script_compiler::compile_unbound_script(
        scope,
        &mut src,
        v8::script_compiler::CompileOptions::EagerCompile,
        v8::script_compiler::NoCacheReason::NoReason,
    ) else {
        return Ok(None);
    };
    let cache = unbound
        .create_code_cache()
        .ok_or_else(|| Error::new(Status::Internal, "V8 made no code cache"))?;
    Ok(Some(cache.to_vec()))
}

/// An error for `exception`, a value thrown or a promise's rejection
/// reason, worded as a TryCatch reports one ("Uncaught Error: ..."), with
/// its details (see [`exception_details`]).
pub fn exception_error(
    scope: &mut v8::PinScope,
    exception: v8::Local<v8::Value>,
    kind: Status,
    refs: Option<&Arc<Refs>>,
) -> Error {
    let message = v8::Exception::create_message(scope, exception);
    let mut err = Error::new(kind, message.get(scope).to_rust_string_lossy(scope));
    err.line = message.get_line_number(scope).unwrap_or(0) as u32;
    err.column = message.get_start_column() as u32 + 1;
    if let Some(name) = message.get_script_resource_name(scope) {
        if !name.is_undefined() && !name.is_null() {
            err.resource_name = Some(name.to_rust_string_lossy(scope));
        }
    }
    if exception.is_native_error() {
        let stack = v8::String::new(scope, "stack")
            .and_then(|key| exception.to_object(scope)?.get(scope, key.into()))
            .filter(|s| s.is_string());
        err.stack = stack.map(|s| s.to_rust_string_lossy(scope));
    }
    exception_details(scope, exception, refs, &mut err);
    err
}

/// Compile and run `source` in the scope's current context. `after` runs
/// with the result once it returned normally, before the result is
/// converted (the caller's microtask checkpoint); when it throws, the
/// microtasks it queued are left to the caller. Errors carry message,
/// stack and location.
pub fn run_script(
    scope: &mut v8::PinScope<'_, '_>,
    vm: &Vm,
    source: &str,
    resource_name: &str,
    want: Want,
    cache: Option<CodeCache>,
    after: impl FnOnce(&mut v8::PinScope<'_, '_>, v8::Local<v8::Value>) -> Result<(), Error>,
) -> Result<Value, Error> {
    let refs = match want {
        Want::Typed(conv) => conv.refs,
        Want::Text => None,
    };
    v8::tc_scope!(let tc, scope);
    let Some(script) = compile_script(tc, source, resource_name, cache)? else {
        return Err(caught!(tc, vm, Status::SyntaxError, refs));
    };
    let Some(result) = script.run(tc) else {
        return Err(caught!(tc, vm, Status::Exception, refs));
    };
    let left = after(tc, result);
    if tc.has_caught() || tc.has_terminated() {
        return Err(caught!(tc, vm, Status::Exception, refs));
    }
    left?;
    let value = match want {
        Want::Text => value::to_display_string(tc, result).map(Value::String),
        Want::Typed(conv) => value::from_v8(tc, result, conv),
    };
    match value {
        Some(v) => Ok(v),
        None => Err(caught!(tc, vm, Status::Exception, refs)),
    }
}

/// Call `f` with `args` (receiver undefined), for the loop: the microtasks
/// it queues are the caller's to run. Errors carry message, stack and
/// location.
pub fn call_function(
    scope: &mut v8::PinScope<'_, '_>,
    vm: &Vm,
    f: v8::Local<v8::Function>,
    args: &[v8::Local<v8::Value>],
) -> Result<(), Error> {
    v8::tc_scope!(let tc, scope);
    let recv = v8::undefined(tc).into();
    match f.call(tc, recv, args) {
        Some(_) => Ok(()),
        None => Err(caught!(tc, vm, Status::Exception)),
    }
}

/// Call `f` with receiver `this` (undefined when `None`) and `args`, and
/// return its result as `conv` says; `after` runs as for [`run_script`].
pub fn call_function_value(
    scope: &mut v8::PinScope<'_, '_>,
    vm: &Vm,
    f: v8::Local<v8::Function>,
    this: Option<v8::Local<v8::Value>>,
    args: &[v8::Local<v8::Value>],
    conv: Conv,
    after: impl FnOnce(&mut v8::PinScope<'_, '_>, v8::Local<v8::Value>) -> Result<(), Error>,
) -> Result<Value, Error> {
    v8::tc_scope!(let tc, scope);
    let recv = this.unwrap_or_else(|| v8::undefined(tc).into());
    let Some(result) = f.call(tc, recv, args) else {
        return Err(caught!(tc, vm, Status::Exception, conv.refs));
    };
    let left = after(tc, result);
    if tc.has_caught() || tc.has_terminated() {
        return Err(caught!(tc, vm, Status::Exception, conv.refs));
    }
    left?;
    match value::from_v8(tc, result, conv) {
        Some(v) => Ok(v),
        None => Err(caught!(tc, vm, Status::Exception, conv.refs)),
    }
}
