package v8runner

/*
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Kind says what a Value holds.
type Kind int

// Kinds, with the same numbers as the C enum v8r_kind.
const (
	KindUndefined Kind = iota
	KindNull
	KindBool
	KindNumber
	KindBigInt
	KindString
	KindJSON
	KindBytes
	KindFunction
	KindSymbol
	KindDate
	// KindObject: a live object (Value.Object), for results asked for
	// live and for values JSON cannot copy (a cycle, a throwing toJSON).
	KindObject
	// KindPromise: a Promise, always live (Value.Await).
	KindPromise
)

var kindNames = [...]string{"undefined", "null", "boolean", "number", "bigint", "string", "json", "bytes", "function", "symbol", "date", "object", "promise"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a JS value copied out of V8: it owns its data and stays valid
// after the call, the runtime or the process' V8 state is gone. Objects and
// arrays arrive as JSON text. A Promise, and an object asked for live,
// arrive as an *Object instead (Kind KindPromise or KindObject).
type Value struct {
	kind Kind
	b    bool
	num  float64
	text string  // bigint digits, string, JSON, function source, symbol
	data []byte  // bytes
	obj  *Object // KindObject, KindPromise
}

// isObjectKind reports whether a C value holds an object handle.
func isObjectKind(kind C.v8r_kind) bool {
	return kind == C.V8R_KIND_OBJECT || kind == C.V8R_KIND_PROMISE
}

// valueFromC takes a C value of r over: copies its data and releases the
// buffer; an object handle becomes an *Object that owns it.
func (r *Runtime) valueFromC(v *C.v8r_value) Value {
	if isObjectKind(v.kind) {
		o := adoptObject(r, C.v8r_value_get_object(v))
		*v = C.v8r_value{}
		return Value{kind: o.kindOf(), obj: o}
	}
	out := copyValue(v)
	if v.data != nil {
		C.v8r_value_release(v)
	}
	return out
}

// lentValue copies a C value of r the library still owns (a callback's
// argument): an object handle is duplicated for the *Object.
func (r *Runtime) lentValue(v *C.v8r_value) Value {
	if isObjectKind(v.kind) {
		o := adoptObject(r, C.v8r_object_dup(C.v8r_value_get_object(v)))
		return Value{kind: o.kindOf(), obj: o}
	}
	return copyValue(v)
}

// copyValue copies a C value's data, leaving it untouched.
func copyValue(v *C.v8r_value) Value {
	out := Value{kind: Kind(v.kind), b: bool(v.boolean), num: float64(v.number)}
	if v.data != nil {
		if out.kind == KindBytes {
			out.data = goBytes(unsafe.Pointer(v.data), v.len)
		} else {
			out.text = goString(v.data, v.len)
		}
	}
	return out
}

// goBytes copies n bytes of C memory. Not C.GoBytes, whose length is a C
// int: past 2 GiB it panics or silently truncates. (append, unlike make
// and copy, does not zero the new memory first.)
func goBytes(p unsafe.Pointer, n C.size_t) []byte {
	if n == 0 {
		return []byte{}
	}
	return append([]byte(nil), unsafe.Slice((*byte)(p), uint64(n))...)
}

// goString copies n bytes of C memory into a string (any length; see
// goBytes).
func goString(p *C.char, n C.size_t) string {
	return string(unsafe.Slice((*byte)(unsafe.Pointer(p)), uint64(n)))
}

// Kind reports what the value holds.
func (v Value) Kind() Kind { return v.kind }

// Object is the live object of a KindObject or KindPromise value (nil for
// copies).
func (v Value) Object() *Object { return v.obj }

// IsPromise reports whether the value is a Promise.
func (v Value) IsPromise() bool { return v.kind == KindPromise }

// Await is Object.Await for a Promise (or live object); any other value
// is its own result, as with JS's await.
func (v Value) Await(ctx context.Context) (Value, error) {
	if v.obj == nil {
		return v, nil
	}
	return v.obj.Await(ctx)
}

// IsUndefined reports whether the value is undefined.
func (v Value) IsUndefined() bool { return v.kind == KindUndefined }

// IsNull reports whether the value is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Bool is the boolean value, or false for other kinds.
func (v Value) Bool() bool { return v.kind == KindBool && v.b }

// Float is the number value (NaN for kinds that are not numbers; a BigInt
// converts, possibly losing precision).
func (v Value) Float() float64 {
	switch v.kind {
	case KindNumber:
		return v.num
	case KindBigInt:
		f, _ := new(big.Float).SetString(v.text)
		if f == nil {
			return math.NaN()
		}
		r, _ := f.Float64()
		return r
	}
	return math.NaN()
}

// Int is the number truncated towards zero (0 for NaN and other kinds,
// clamped to the int64 range).
func (v Value) Int() int64 {
	if v.kind == KindBigInt {
		if n, ok := new(big.Int).SetString(v.text, 10); ok && n.IsInt64() {
			return n.Int64()
		}
	}
	f := v.Float()
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// Time is a Date's time (UTC, millisecond precision); the zero Time for
// other kinds and for invalid dates.
func (v Value) Time() time.Time {
	if v.kind != KindDate || math.IsNaN(v.num) {
		return time.Time{}
	}
	return time.UnixMilli(int64(v.num)).UTC()
}

// Bytes is the content of an ArrayBuffer or typed array (nil otherwise).
func (v Value) Bytes() []byte { return v.data }

// String is what JS's String(value) gives, except for objects and arrays,
// which give their JSON text.
func (v Value) String() string {
	switch v.kind {
	case KindUndefined:
		return "undefined"
	case KindNull:
		return "null"
	case KindBool:
		return strconv.FormatBool(v.b)
	case KindNumber:
		return formatNumber(v.num)
	case KindDate:
		if math.IsNaN(v.num) {
			return "Invalid Date"
		}
		return v.Time().Format("2006-01-02T15:04:05.000Z07:00")
	case KindObject, KindPromise:
		return "[object " + v.obj.typ.String() + "]"
	case KindBytes:
		parts := make([]string, len(v.data))
		for i, b := range v.data {
			parts[i] = strconv.Itoa(int(b))
		}
		return strings.Join(parts, ",")
	}
	return v.text
}

// Export converts to a plain Go value: nil (undefined, null), bool,
// float64, *big.Int, string (strings, function source, symbols), []byte,
// time.Time (Dates), for JSON map[string]any / []any as encoding/json
// decodes it, and for a live value its *Object (whose Export converts
// Maps, Sets, typed arrays, Errors, nested Dates and undefined members
// without loss).
func (v Value) Export() any {
	switch v.kind {
	case KindBool:
		return v.b
	case KindNumber:
		return v.num
	case KindBigInt:
		n, _ := new(big.Int).SetString(v.text, 10)
		return n
	case KindString, KindFunction, KindSymbol:
		return v.text
	case KindBytes:
		return v.data
	case KindDate:
		return v.Time()
	case KindObject, KindPromise:
		return v.obj
	case KindJSON:
		var out any
		if err := json.Unmarshal([]byte(v.text), &out); err != nil {
			return v.text
		}
		return out
	}
	return nil
}

// Unmarshal decodes the value into dst as encoding/json would decode its
// JSON form (objects, arrays, strings, numbers, booleans, null).
func (v Value) Unmarshal(dst any) error {
	switch v.kind {
	case KindJSON:
		return json.Unmarshal([]byte(v.text), dst)
	case KindString:
		b, _ := json.Marshal(v.text)
		return json.Unmarshal(b, dst)
	case KindDate:
		b, _ := json.Marshal(v.String())
		return json.Unmarshal(b, dst)
	}
	return json.Unmarshal([]byte(v.String()), dst)
}

// formatNumber renders a float64 the way JS's Number#toString does.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e-07, 1.5e+21
	mant, exp, _ := strings.Cut(s, "e")
	sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + digits
}
