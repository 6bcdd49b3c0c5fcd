package v8runner

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Lossless export of a live JS value into Go values (Object.Export).
//
// The default copy of a result is JSON: cheap for plain data, but a Map
// becomes {}, undefined members vanish, a typed array becomes an object
// of indices. Object.Export walks the value once in JS, tagging what JSON
// cannot say, and rebuilds it in Go with the Go type that fits.

// exportSource tags every value JSON would lose; Tag instances are ours,
// so a user object with a "$v8r" key is escaped rather than misread.
const exportSource = `(v) => {
	class Tag { constructor(t, v) { this.$v8r = t; this.v = v } }
	const views = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
		'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
	return JSON.stringify([v], function (k, x) {
		const o = this[k];
		if (this instanceof Tag || o instanceof Tag) return x; // ours: the payload is converted already
		switch (typeof o) {
		case 'undefined': return new Tag('undefined');
		case 'bigint': return new Tag('bigint', o.toString());
		case 'number': return Number.isFinite(o) ? o : new Tag('number', String(o));
		case 'function': return new Tag('function', String(o));
		case 'symbol': return new Tag('symbol', String(o));
		}
		if (o === null || typeof o !== 'object') return x;
		if (o instanceof Date) return new Tag('date', o.getTime());
		if (o instanceof Map) return new Tag('map', [...o]);
		if (o instanceof Set) return new Tag('set', [...o]);
		if (o instanceof Error) return new Tag('error', {name: o.name, message: o.message, stack: o.stack});
		if (ArrayBuffer.isView(o)) {
			const name = views.find((n) => o instanceof globalThis[n]);
			if (name) return new Tag(name, Array.from(o));
			return new Tag('bytes', Array.from(new Uint8Array(o.buffer, o.byteOffset, o.byteLength)));
		}
		if (o instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && o instanceof SharedArrayBuffer))
			return new Tag('bytes', Array.from(new Uint8Array(o)));
		if (!Array.isArray(o) && Object.hasOwn(o, '$v8r')) return new Tag('object', Object.entries(o));
		return x;
	});
}`

// Export converts the live value to Go values, losing nothing a Go type
// can hold: Map -> map[string]any (string keys) or map[any]any (other
// keys that can be Go map keys; else [][2]any of entries), Set -> []any
// in insertion order, Date -> time.Time (an invalid Date: the zero Time),
// Error -> *JSError (Name, Message "Name: message", Stack), typed arrays
// -> []int8, []byte, []int16, []uint16, []int32, []uint32, []float32,
// []float64, []int64, []uint64, ArrayBuffer and DataView -> []byte,
// BigInt -> *big.Int, NaN and ±Infinity -> float64, undefined -> nil with
// its key kept, functions and symbols -> their source/description text,
// plain objects -> map[string]any, arrays -> []any. A cycle is an error.
func (o *Object) Export() (any, error) {
	v, err := o.rt.helperCall("exportJSON", o)
	if err != nil {
		return nil, err
	}
	var top []any
	dec := json.NewDecoder(strings.NewReader(v.String()))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil || len(top) != 1 {
		return nil, fmt.Errorf("%w: cannot read the export: %v", ErrInternal, err)
	}
	return untag(top[0])
}

// untag rebuilds Go values from exportSource's tagged JSON.
func untag(x any) (any, error) {
	switch x := x.(type) {
	case json.Number:
		return x.Float64()
	case []any:
		return untagAll(x)
	case map[string]any:
		tag, tagged := x["$v8r"].(string)
		if !tagged {
			out := make(map[string]any, len(x))
			for k, v := range x {
				u, err := untag(v)
				if err != nil {
					return nil, err
				}
				out[k] = u
			}
			return out, nil
		}
		return untagged(tag, x["v"])
	}
	return x, nil // string, bool, nil
}

func untagAll(xs []any) ([]any, error) {
	out := make([]any, len(xs))
	for i, v := range xs {
		u, err := untag(v)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

func untagged(tag string, v any) (any, error) {
	list, _ := v.([]any)
	switch tag {
	case "undefined":
		return nil, nil
	case "bigint":
		n, ok := new(big.Int).SetString(fmt.Sprint(v), 10)
		if !ok {
			return nil, fmt.Errorf("%w: bad BigInt %v", ErrInternal, v)
		}
		return n, nil
	case "number":
		switch v {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		}
		return math.Inf(-1), nil
	case "function", "symbol":
		return fmt.Sprint(v), nil
	case "date":
		n, _ := v.(json.Number) // null for an invalid Date
		ms, err := n.Int64()
		if err != nil {
			return time.Time{}, nil
		}
		return time.UnixMilli(ms), nil
	case "map":
		return untagMap(list)
	case "set":
		return untagAll(list)
	case "object":
		return untagMap(list)
	case "error":
		m, _ := v.(map[string]any)
		name, _ := m["name"].(string)
		msg, _ := m["message"].(string)
		stack, _ := m["stack"].(string)
		text := msg
		if name != "" {
			text = name + ": " + msg
		}
		return &JSError{Name: name, Message: text, Stack: stack}, nil
	case "bytes", "Uint8Array", "Uint8ClampedArray":
		return numbers(list, func(f float64) byte { return byte(f) })
	case "Int8Array":
		return numbers(list, func(f float64) int8 { return int8(f) })
	case "Int16Array":
		return numbers(list, func(f float64) int16 { return int16(f) })
	case "Uint16Array":
		return numbers(list, func(f float64) uint16 { return uint16(f) })
	case "Int32Array":
		return numbers(list, func(f float64) int32 { return int32(f) })
	case "Uint32Array":
		return numbers(list, func(f float64) uint32 { return uint32(f) })
	case "Float32Array":
		return numbers(list, func(f float64) float32 { return float32(f) })
	case "Float64Array":
		return numbers(list, func(f float64) float64 { return f })
	case "BigInt64Array", "BigUint64Array":
		return bigints(list, tag == "BigInt64Array")
	}
	return nil, fmt.Errorf("%w: unknown export tag %q", ErrInternal, tag)
}

// untagMap builds a Go map from [key, value] entries (see Export).
func untagMap(entries []any) (any, error) {
	keys := make([]any, len(entries))
	vals := make([]any, len(entries))
	allStrings, hashable := true, true
	for i, e := range entries {
		pair, _ := e.([]any)
		if len(pair) != 2 {
			return nil, fmt.Errorf("%w: bad map entry", ErrInternal)
		}
		k, err := untag(pair[0])
		if err != nil {
			return nil, err
		}
		v, err := untag(pair[1])
		if err != nil {
			return nil, err
		}
		keys[i], vals[i] = k, v
		switch k.(type) {
		case string:
		case nil, bool, float64, time.Time:
			allStrings = false
		default:
			allStrings, hashable = false, false
		}
	}
	switch {
	case allStrings:
		out := make(map[string]any, len(keys))
		for i, k := range keys {
			out[k.(string)] = vals[i]
		}
		return out, nil
	case hashable:
		out := make(map[any]any, len(keys))
		for i, k := range keys {
			out[k] = vals[i]
		}
		return out, nil
	}
	out := make([][2]any, len(keys))
	for i := range keys {
		out[i] = [2]any{keys[i], vals[i]}
	}
	return out, nil
}

func numbers[T any](list []any, conv func(float64) T) ([]T, error) {
	out := make([]T, len(list))
	for i, x := range list {
		n, ok := x.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%w: bad typed array element", ErrInternal)
		}
		f, _ := n.Float64()
		out[i] = conv(f)
	}
	return out, nil
}

func bigints(list []any, signed bool) (any, error) {
	s := make([]int64, len(list))
	u := make([]uint64, len(list))
	for i, x := range list {
		m, _ := x.(map[string]any)
		n, ok := new(big.Int).SetString(fmt.Sprint(m["v"]), 10)
		if !ok {
			return nil, fmt.Errorf("%w: bad BigInt element", ErrInternal)
		}
		s[i], u[i] = n.Int64(), n.Uint64()
	}
	if signed {
		return s, nil
	}
	return u, nil
}
