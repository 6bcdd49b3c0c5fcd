package v8runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

func TestHeapStatsFollowAllocationsAndFrees(t *testing.T) {
	ctx := context.Background()
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	before, err := rt.HeapStats()
	if err != nil {
		t.Fatal(err)
	}
	if before.Used == 0 || before.Limit < before.Total || before.NativeContexts != 1 {
		t.Fatalf("implausible stats: %+v", before)
	}
	if _, err := rt.Eval(ctx, "globalThis.objs = Array.from({ length: 300000 }, (_, i) => ({ i })); globalThis.buf = new ArrayBuffer(8 << 20); 0"); err != nil {
		t.Fatal(err)
	}
	grown, _ := rt.HeapStats()
	if grown.Used < before.Used+5<<20 || grown.ArrayBuffers < before.ArrayBuffers+8<<20 {
		t.Fatalf("allocations not seen: before %+v after %+v", before, grown)
	}
	if _, err := rt.Eval(ctx, "objs = null; buf = null; 0"); err != nil {
		t.Fatal(err)
	}
	var freed HeapStats
	for i := 0; i < 20; i++ {
		// A heap snapshot collects garbage first.
		if err := rt.WriteHeapSnapshot(io.Discard); err != nil {
			t.Fatal(err)
		}
		if freed, _ = rt.HeapStats(); freed.Used < grown.Used-4<<20 && freed.ArrayBuffers < 8<<20 {
			break
		}
	}
	if freed.Used >= grown.Used-4<<20 || freed.ArrayBuffers >= 8<<20 {
		t.Fatalf("frees not seen: grown %+v freed %+v", grown, freed)
	}
	rt.Close()
	if _, err := rt.HeapStats(); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, err := RunV8("1 + 1"); err != nil {
		t.Fatal(err)
	}
	if pool, n := PoolHeapStats(); n < 1 || pool.Used == 0 || pool.NativeContexts < 1 {
		t.Fatalf("pool stats: %+v (%d isolates)", pool, n)
	}
}

// heapSnapshot is the part of the .heapsnapshot format the test reads.
type heapSnapshot struct {
	Snapshot struct {
		Meta struct {
			NodeFields []string `json:"node_fields"`
			NodeTypes  []any    `json:"node_types"`
			EdgeFields []string `json:"edge_fields"`
			EdgeTypes  []any    `json:"edge_types"`
		} `json:"meta"`
	} `json:"snapshot"`
	Nodes   []int    `json:"nodes"`
	Edges   []int    `json:"edges"`
	Strings []string `json:"strings"`
}

func TestHeapSnapshotShowsTheLargestRetainer(t *testing.T) {
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := rt.Eval(context.Background(), "globalThis.big = new Array(1300000).fill(1.5); 0"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rt.WriteHeapSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	var hs heapSnapshot
	if err := json.Unmarshal(buf.Bytes(), &hs); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	nf, ef := len(hs.Snapshot.Meta.NodeFields), len(hs.Snapshot.Meta.EdgeFields)
	field := func(fields []string, name string) int {
		for i, f := range fields {
			if f == name {
				return i
			}
		}
		t.Fatalf("no field %q in %v", name, fields)
		return 0
	}
	selfSize, edgeCount := field(hs.Snapshot.Meta.NodeFields, "self_size"), field(hs.Snapshot.Meta.NodeFields, "edge_count")
	edgeName, toNode := field(hs.Snapshot.Meta.EdgeFields, "name_or_index"), field(hs.Snapshot.Meta.EdgeFields, "to_node")
	// The largest object: big's elements, 1.3 M doubles.
	largest := 0
	for n := 0; n < len(hs.Nodes); n += nf {
		if hs.Nodes[n+selfSize] > hs.Nodes[largest+selfSize] {
			largest = n
		}
	}
	if size := hs.Nodes[largest+selfSize]; size < 10_000_000 {
		t.Fatalf("largest node holds %d bytes", size)
	}
	// Who retains it: the array `big` names, through its elements.
	retainerOf := map[int]int{} // node offset -> retaining node offset
	namedEdge := map[int]string{}
	e := 0
	for n := 0; n < len(hs.Nodes); n += nf {
		for i := 0; i < hs.Nodes[n+edgeCount]; i++ {
			to := hs.Edges[e+toNode]
			if _, ok := retainerOf[to]; !ok {
				retainerOf[to] = n
				if name := hs.Edges[e+edgeName]; name >= 0 && name < len(hs.Strings) {
					namedEdge[to] = hs.Strings[name]
				}
			}
			e += ef
		}
	}
	array, ok := retainerOf[largest]
	if !ok {
		t.Fatal("the largest node has no retainer")
	}
	found := false
	e = 0
	for n := 0; n < len(hs.Nodes) && !found; n += nf {
		for i := 0; i < hs.Nodes[n+edgeCount]; i++ {
			if hs.Edges[e+toNode] == array {
				if name := hs.Edges[e+edgeName]; name >= 0 && name < len(hs.Strings) && hs.Strings[name] == "big" {
					found = true
				}
			}
			e += ef
		}
	}
	if !found {
		t.Fatalf("the largest node's retainer (via %q) is not named big", namedEdge[largest])
	}
	// A failing writer stops the snapshot with its error.
	stop := errors.New("disk full")
	if err := rt.WriteHeapSnapshot(failingWriter{stop}); !errors.Is(err, stop) {
		t.Fatalf("failing writer: %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
