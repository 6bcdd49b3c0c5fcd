package v8runner

import (
	"context"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func TestValueKindsAndExport(t *testing.T) {
	rt := newRuntime(t)
	big70, _ := new(big.Int).SetString("-1180591620717411303424", 10)
	cases := []struct {
		src    string
		kind   Kind
		str    string
		export any
	}{
		{"undefined", KindUndefined, "undefined", nil},
		{"null", KindNull, "null", nil},
		{"1 < 2", KindBool, "true", true},
		{"0.1 + 0.2", KindNumber, "0.30000000000000004", 0.30000000000000004},
		{"2 ** 53 + 2", KindNumber, "9007199254740994", 9007199254740994.0},
		{"1e21", KindNumber, "1e+21", 1e21},
		{"1e-7", KindNumber, "1e-7", 1e-7},
		{"-0", KindNumber, "0", math.Copysign(0, -1)},
		{"-(2n ** 70n)", KindBigInt, "-1180591620717411303424", big70},
		{"'héllo'", KindString, "héllo", "héllo"},
		{"({a: [1, 'x'], b: {c: null}})", KindJSON, `{"a":[1,"x"],"b":{"c":null}}`,
			map[string]any{"a": []any{1.0, "x"}, "b": map[string]any{"c": nil}}},
		{"[1, 2]", KindJSON, "[1,2]", []any{1.0, 2.0}},
		{"new Uint8Array([7, 0, 255])", KindBytes, "7,0,255", []byte{7, 0, 255}},
		{"Symbol('tag')", KindSymbol, "Symbol(tag)", "Symbol(tag)"},
	}
	for _, c := range cases {
		v := mustEval(t, rt, c.src)
		if v.Kind() != c.kind || v.String() != c.str || !reflect.DeepEqual(v.Export(), c.export) {
			t.Errorf("%s: kind %v string %q export %#v; want %v %q %#v", c.src, v.Kind(), v.String(), v.Export(), c.kind, c.str, c.export)
		}
	}
	if v := mustEval(t, rt, "NaN"); !math.IsNaN(v.Float()) || v.String() != "NaN" || v.Int() != 0 {
		t.Errorf("NaN: %v", v)
	}
	if v := mustEval(t, rt, "(function add(a, b) { return a + b })"); v.Kind() != KindFunction || v.String() != "function add(a, b) { return a + b }" {
		t.Errorf("function: %v %q", v.Kind(), v.String())
	}
	var dst struct {
		Name string `json:"name"`
		Tags []int  `json:"tags"`
	}
	if err := mustEval(t, rt, "({name: 'x', tags: [1, 2]})").Unmarshal(&dst); err != nil || dst.Name != "x" || len(dst.Tags) != 2 {
		t.Errorf("Unmarshal: %+v %v", dst, err)
	}
	// A cycle cannot be copied: it comes back live, the script having run.
	v, err := rt.Eval(context.Background(), "const o = {name: 'loop'}; o.o = o; o")
	if err != nil || v.Kind() != KindObject || v.Object() == nil {
		t.Fatalf("cycle: want a live object, got %v %v", v.Kind(), err)
	}
	if name, err := v.Object().Get("name"); err != nil || name.String() != "loop" {
		t.Errorf("cycle's name: %v %v", name, err)
	}
	if _, err := v.Object().JSON(); err == nil || !strings.Contains(err.Error(), "circular") {
		t.Errorf("cycle's JSON: want the circular error, got %v", err)
	}
}
