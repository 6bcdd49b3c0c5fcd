package v8runner

import (
	"context"
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"
)

func TestObjectExportIsLossless(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	o, err := rt.EvalObject(ctx, `({
		m: new Map([['a', 1], ['b', new Map([['c', [1, 2]]])]]),
		nm: new Map([[1, 'one'], [true, 'yes']]),
		om: new Map([[{}, 'obj key']]),
		s: new Set(['x', 'y', 'x']),
		d: new Date(1700000000123),
		bad: new Date(NaN),
		u: undefined,
		arr: [undefined, null, 1],
		e: new RangeError('too far'),
		i8: new Int8Array([-1, 2]), u8: new Uint8Array([255, 0]), c8: new Uint8ClampedArray([300]),
		i16: new Int16Array([-300]), u16: new Uint16Array([65535]), i32: new Int32Array([-70000]),
		u32: new Uint32Array([4000000000]), f32: new Float32Array([0.5]), f64: new Float64Array([Math.PI]),
		b64: new BigInt64Array([-5n]), ub64: new BigUint64Array([18446744073709551615n]),
		ab: new Uint8Array([7, 8, 9]).buffer, dv: new DataView(new Uint8Array([1, 2, 3]).buffer, 1),
		big: 12345678901234567890n, nan: NaN, inf: -Infinity,
		f() { return 1 }, sym: Symbol('tag'),
		fake: {$v8r: 'map', v: []},
		plain: {x: 1, y: 'z'},
	})`)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Release()
	got, err := o.Export()
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	want := map[string]any{
		"m":     map[string]any{"a": 1.0, "b": map[string]any{"c": []any{1.0, 2.0}}},
		"nm":    map[any]any{1.0: "one", true: "yes"},
		"s":     []any{"x", "y"},
		"d":     time.UnixMilli(1700000000123),
		"bad":   time.Time{},
		"u":     nil,
		"arr":   []any{nil, nil, 1.0},
		"i8":    []int8{-1, 2},
		"u8":    []byte{255, 0},
		"c8":    []byte{255},
		"i16":   []int16{-300},
		"u16":   []uint16{65535},
		"i32":   []int32{-70000},
		"u32":   []uint32{4000000000},
		"f32":   []float32{0.5},
		"f64":   []float64{math.Pi},
		"b64":   []int64{-5},
		"ub64":  []uint64{math.MaxUint64},
		"ab":    []byte{7, 8, 9},
		"dv":    []byte{2, 3},
		"sym":   "Symbol(tag)",
		"fake":  map[string]any{"$v8r": "map", "v": []any{}},
		"plain": map[string]any{"x": 1.0, "y": "z"},
	}
	for k, w := range want {
		if g, ok := m[k]; !ok || !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v (present %v), want %#v", k, g, ok, w)
		}
	}
	if entries, ok := m["om"].([][2]any); !ok || len(entries) != 1 || entries[0][1] != "obj key" {
		t.Errorf("object-keyed map: %#v", m["om"])
	}
	if e, ok := m["e"].(*JSError); !ok || e.Name != "RangeError" || e.Message != "RangeError: too far" || e.Stack == "" {
		t.Errorf("error: %#v", m["e"])
	}
	if b, ok := m["big"].(*big.Int); !ok || b.String() != "12345678901234567890" {
		t.Errorf("bigint: %#v", m["big"])
	}
	if f, _ := m["nan"].(float64); !math.IsNaN(f) {
		t.Errorf("NaN: %#v", m["nan"])
	}
	if f, _ := m["inf"].(float64); !math.IsInf(f, -1) {
		t.Errorf("-Infinity: %#v", m["inf"])
	}
	if s, _ := m["f"].(string); s != "f() { return 1 }" {
		t.Errorf("function: %#v", m["f"])
	}
	// A cycle is a clear error.
	c, _ := rt.EvalObject(ctx, "const c = {}; c.self = c; c")
	defer c.Release()
	if _, err := c.Export(); err == nil {
		t.Error("cycle exported")
	}
}

// The default copy decodes nested Dates into time.Time fields.
func TestUnmarshalNestedDates(t *testing.T) {
	rt := newRuntime(t)
	v, err := rt.Eval(context.Background(), "({when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), items: [{at: new Date(0)}]})")
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		When  time.Time
		Items []struct{ At time.Time }
	}
	if err := v.Unmarshal(&out); err != nil {
		t.Fatal(err)
	}
	if !out.When.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || len(out.Items) != 1 || !out.Items[0].At.Equal(time.UnixMilli(0)) {
		t.Errorf("dates: %+v", out)
	}
}
