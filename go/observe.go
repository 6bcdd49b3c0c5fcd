package v8runner

/*
#include "trampoline.h"
*/
import "C"

import (
	"errors"
	"io"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// HeapStats is a runtime's heap as V8 counts it, in bytes unless named
// otherwise.
type HeapStats struct {
	Used             uint64 // live and not yet collected objects
	Total            uint64 // reserved for the heap: Used plus free space in its pages
	Limit            uint64 // the most the heap may grow to (WithHeapLimit, or V8's)
	Physical         uint64 // of the heap, resident in memory
	Available        uint64 // what the heap may still grow by
	External         uint64 // outside the heap, accounted to it by V8 (ArrayBuffers among it)
	Malloced         uint64 // allocated with malloc by V8 for itself
	ArrayBuffers     uint64 // held now by ArrayBuffers and typed arrays, counted exactly
	NativeContexts   uint64 // live native contexts (1 per runtime)
	DetachedContexts uint64 // contexts released but not collected yet
}

func heapStatsFromC(s *C.v8r_heap_stats) HeapStats {
	return HeapStats{
		Used: uint64(s.used), Total: uint64(s.total), Limit: uint64(s.limit),
		Physical: uint64(s.physical), Available: uint64(s.available),
		External: uint64(s.external), Malloced: uint64(s.malloced),
		ArrayBuffers: uint64(s.array_buffers), NativeContexts: uint64(s.native_contexts),
		DetachedContexts: uint64(s.detached_contexts),
	}
}

// HeapStats reads the runtime's heap statistics now: no allocation, no
// garbage collection, cheap enough to poll (see the README's figures).
func (r *Runtime) HeapStats() (HeapStats, error) {
	var s C.v8r_heap_stats
	err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_heap_stats(h, &s, cerr)
	})
	if err != nil {
		return HeapStats{}, err
	}
	return heapStatsFromC(&s), nil
}

// PoolHeapStats sums the heap statistics of RunV8's pooled isolates that
// are idle now (one in use by a call is left out) and says how many it
// counted.
func PoolHeapStats() (HeapStats, int) {
	var s C.v8r_heap_stats
	var n C.size_t
	C.v8r_runv8_pool_heap_stats(&s, &n)
	return heapStatsFromC(&s), int(n)
}

// WriteHeapSnapshot writes a heap snapshot of the runtime to w: the
// .heapsnapshot JSON that Chrome DevTools' Memory panel loads, streamed in
// chunks as V8 makes it (never held in memory whole). V8 collects garbage
// first. A write error stops it and is returned.
func (r *Runtime) WriteHeapSnapshot(w io.Writer) error {
	if w == nil {
		return errors.New("v8runner: WriteHeapSnapshot: nil writer")
	}
	return r.callWriting(w, func(h *C.v8r_runtime, write C.v8r_write_fn, data unsafe.Pointer, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_heap_snapshot(h, write, data, cerr)
	})
}

// callWriting makes the C call c with a writer callback that writes to w;
// w's own error, if it failed, is the one returned.
func (r *Runtime) callWriting(w io.Writer, c func(h *C.v8r_runtime, write C.v8r_write_fn, data unsafe.Pointer, cerr **C.v8r_error) C.v8r_status) error {
	cw := &chunkWriter{w: w}
	handle := cgo.NewHandle(cw)
	defer handle.Delete()
	err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return c(h, C.v8r_write_fn(C.v8r_go_write), unsafe.Pointer(C.v8r_go_handle(C.uintptr_t(handle))), cerr)
	})
	runtime.KeepAlive(cw)
	if cw.err != nil {
		return cw.err
	}
	return err
}
