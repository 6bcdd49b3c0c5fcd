package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Conversion from Go to the library's values. Go → JS:
//
//	nil                      → null
//	bool                     → boolean
//	int*, uint*, float*      → number (integers beyond ±2^53 lose precision; use *big.Int)
//	*big.Int                 → BigInt
//	string                   → string (must be valid UTF-8)
//	[]byte                   → Uint8Array (copied to C memory, then once into V8's)
//	time.Time                → Date (millisecond precision)
//	*Object                  → that very object (of the same runtime)
//	Value                    → the value itself (a live one: its object)
//	anything else            → what encoding/json makes of it (maps, slices, structs with json tags)
//
// JS → Go is Value (see Value.Export and Value.Unmarshal).

// cValue makes a C value that owns C memory; release it with freeCValue
// unless the library takes it over (see ownedCValue). An object's handle
// is lent: the Go value must stay reachable while C uses it.
func cValue(v any) (C.v8r_value, error) {
	var out C.v8r_value
	withData := func(kind C.uint32_t, b []byte) C.v8r_value {
		out.kind = kind
		out.data = (*C.char)(C.CBytes(b))
		out.len = C.size_t(len(b))
		return out
	}
	switch x := v.(type) {
	case nil:
		out.kind = C.V8R_KIND_NULL
		return out, nil
	case Value:
		return cValueOf(x), nil
	case *Object:
		return lentObject(x)
	case int: // the common scalars skip reflection
		return number(float64(x)), nil
	case int64:
		return number(float64(x)), nil
	case int32:
		return number(float64(x)), nil
	case float64:
		return number(x), nil
	case bool:
		out.kind = C.V8R_KIND_BOOL
		out.boolean = C.bool(x)
		return out, nil
	case string:
		if !utf8.ValidString(x) {
			return out, fmt.Errorf("%w: string is not valid UTF-8", ErrBadInput)
		}
		return withData(C.V8R_KIND_STRING, unsafe.Slice(unsafe.StringData(x), len(x))), nil
	case []byte:
		return withData(C.V8R_KIND_BYTES, x), nil
	case *big.Int:
		if x == nil {
			out.kind = C.V8R_KIND_NULL
			return out, nil
		}
		return withData(C.V8R_KIND_BIGINT, []byte(x.String())), nil
	case time.Time:
		out.kind = C.V8R_KIND_DATE
		out.number = C.double(x.UnixMilli())
		return out, nil
	case json.RawMessage:
		return withData(C.V8R_KIND_JSON, x), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out.kind = C.V8R_KIND_NUMBER
		out.number = C.double(rv.Int())
		return out, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		out.kind = C.V8R_KIND_NUMBER
		out.number = C.double(rv.Uint())
		return out, nil
	case reflect.Float32, reflect.Float64:
		out.kind = C.V8R_KIND_NUMBER
		out.number = C.double(rv.Float())
		return out, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return out, fmt.Errorf("%w: cannot convert %T to JS: %v", ErrBadInput, v, err)
	}
	return withData(C.V8R_KIND_JSON, b), nil
}

func number(x float64) C.v8r_value {
	return C.v8r_value{kind: C.V8R_KIND_NUMBER, number: C.double(x)}
}

// lentObject is a C value naming o's handle, which o keeps owning.
func lentObject(o *Object) (C.v8r_value, error) {
	var out C.v8r_value
	if o == nil {
		out.kind = C.V8R_KIND_NULL
		return out, nil
	}
	h, err := o.ptr()
	if err != nil {
		return out, err
	}
	out.kind = C.V8R_KIND_OBJECT
	if o.typ == TypePromise {
		out.kind = C.V8R_KIND_PROMISE
	}
	out.data = (*C.char)(unsafe.Pointer(h))
	return out, nil
}

// ownedCValue is cValue for a value the library takes over (a callback's
// result): an object's handle is duplicated for it.
func ownedCValue(v any) (C.v8r_value, error) {
	cv, err := cValue(v)
	if err == nil && isObjectKind(cv.kind) {
		cv.data = (*C.char)(unsafe.Pointer(C.v8r_object_dup((*C.v8r_object)(unsafe.Pointer(cv.data)))))
	}
	return cv, err
}

// cValueOf turns a Value back into a C value.
func cValueOf(v Value) C.v8r_value {
	var out C.v8r_value
	if v.obj != nil {
		out, _ = lentObject(v.obj) // a released object: its handle is refused
		return out
	}
	out.kind = C.uint32_t(v.kind)
	out.boolean = C.bool(v.b)
	out.number = C.double(v.num)
	var b []byte
	switch v.kind {
	case KindBytes:
		b = v.data
	case KindBigInt, KindString, KindJSON, KindFunction, KindSymbol:
		b = []byte(v.text)
	default:
		return out
	}
	out.data = (*C.char)(C.CBytes(b))
	out.len = C.size_t(len(b))
	return out
}

func freeCValue(v *C.v8r_value) {
	if isObjectKind(v.kind) { // lent: the *Object owns the handle
		v.data = nil
		return
	}
	if v.data != nil { // C.free(nil) would still cross into C
		C.free(unsafe.Pointer(v.data))
		v.data = nil
	}
}

func freeCValues(vs []C.v8r_value) {
	for i := range vs {
		freeCValue(&vs[i])
	}
}

// goValues copies C values of r the library owns (it frees them).
func (r *Runtime) goValues(args *C.v8r_value, argc C.size_t) []Value {
	if argc == 0 || args == nil {
		return nil
	}
	cs := unsafe.Slice(args, int(argc))
	out := make([]Value, len(cs))
	for i := range cs {
		out[i] = r.lentValue(&cs[i])
	}
	return out
}
