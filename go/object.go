package v8runner

/*
#include <stdlib.h>
#include "v8runner.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"unsafe"
)

// Object is a live JS value of one runtime: an object, array, function,
// Promise, Map, Set... held across calls, unlike a Value's copy. Get one
// with EvalObject, Global, GetObject or CallObject (a Promise result is
// always live: Value.Object). It stays valid until Release, the runtime's
// Close, or until the GC finds it unreachable (its V8 side is then
// released by the runtime at its next call, never on another thread).
// Safe for concurrent use; calls on it are calls of its runtime.
type Object struct {
	handle[*C.v8r_object]
	rt  *Runtime
	typ ObjectType
}

// ObjectType says what an Object is.
type ObjectType int

// Object types (the C library's v8r_object_type numbers).
const (
	TypeObject   ObjectType = C.V8R_OBJECT_TYPE_OBJECT
	TypeArray    ObjectType = C.V8R_OBJECT_TYPE_ARRAY
	TypeFunction ObjectType = C.V8R_OBJECT_TYPE_FUNCTION
	TypePromise  ObjectType = C.V8R_OBJECT_TYPE_PROMISE
	TypeMap      ObjectType = C.V8R_OBJECT_TYPE_MAP
	TypeSet      ObjectType = C.V8R_OBJECT_TYPE_SET
	TypeError    ObjectType = C.V8R_OBJECT_TYPE_ERROR
	TypeDate     ObjectType = C.V8R_OBJECT_TYPE_DATE
	TypeRegExp   ObjectType = C.V8R_OBJECT_TYPE_REG_EXP
	TypeBytes    ObjectType = C.V8R_OBJECT_TYPE_BYTES
)

var objectTypeNames = [...]string{"object", "array", "function", "promise", "map", "set", "error", "date", "regexp", "bytes"}

func (t ObjectType) String() string {
	if t >= 0 && int(t) < len(objectTypeNames) {
		return objectTypeNames[t]
	}
	return "ObjectType(" + strconv.Itoa(int(t)) + ")"
}

// adoptObject wraps a handle the caller owns.
func adoptObject(r *Runtime, h *C.v8r_object) *Object {
	var t C.v8r_object_type
	C.v8r_object_typeof(h, &t)
	o := &Object{rt: r, typ: ObjectType(t)}
	adopt(o, &o.handle, h, freeObject)
	return o
}

func freeObject(h *C.v8r_object) { C.v8r_object_free(h) }

// flags for the C calls that return values.
func objectFlags(objects bool) C.uint32_t {
	if objects {
		return C.V8R_OBJECTS
	}
	return 0
}

// Global is the runtime's global object (globalThis).
func (r *Runtime) Global() (*Object, error) {
	var h *C.v8r_object
	err := r.call(func(rh *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_global(rh, &h, cerr)
	})
	if err != nil {
		return nil, err
	}
	return adoptObject(r, h), nil
}

// EvalObject is Eval returning the script's completion value live, as an
// Object (an error when it is not an object: a number, a string...).
func (r *Runtime) EvalObject(ctx context.Context, script string) (*Object, error) {
	v, err := r.eval(ctx, script, "", true)
	if err != nil {
		return nil, err
	}
	return v.objectResult()
}

// objectResult is the Object of a result asked for live.
func (v Value) objectResult() (*Object, error) {
	if v.obj == nil {
		return nil, fmt.Errorf("%w: the result is %s, not an object", ErrBadInput, v.kind)
	}
	return v.obj, nil
}

// Type says what the object is.
func (o *Object) Type() ObjectType { return o.typ }

// IsPromise reports whether the object is a Promise.
func (o *Object) IsPromise() bool { return o.typ == TypePromise }

// op runs one C call on the object as a call of its runtime: ErrClosed
// after Release, context handling as for Eval, then finish.
func (o *Object) op(ctx context.Context, c func(h *C.v8r_object, id C.uint64_t, cerr **C.v8r_error) C.v8r_status) error {
	h, err := o.ptr()
	if err != nil {
		return err
	}
	err = o.rt.callWithID(ctx, func(_ *C.v8r_runtime, id C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return c(h, id, cerr)
	})
	runtime.KeepAlive(o)
	return err
}

// get is o[key], live when objects is set.
func (o *Object) get(key string, objects bool) (Value, error) {
	ckey, owned, err := o.rt.names.get(key)
	if err != nil {
		return Value{}, err
	}
	if owned {
		defer C.free(unsafe.Pointer(ckey))
	}
	var out C.v8r_value
	err = o.op(context.Background(), func(h *C.v8r_object, _ C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_get(h, ckey, objectFlags(objects), &out, cerr)
	})
	if err != nil {
		return Value{}, err
	}
	return o.rt.valueFromC(&out), nil
}

// Get is o[key], copied as call results are (getters run; a getter that
// throws gives a *JSError). Array elements are keys "0", "1", ...
func (o *Object) Get(key string) (Value, error) { return o.get(key, false) }

// GetObject is o[key] as a live Object.
func (o *Object) GetObject(key string) (*Object, error) {
	v, err := o.get(key, true)
	if err != nil {
		return nil, err
	}
	return v.objectResult()
}

// Set does o[key] = v, with v converted as Call's arguments are (an
// *Object or a live Value stores that very object).
func (o *Object) Set(key string, v any) error {
	ckey, owned, err := o.rt.names.get(key)
	if err != nil {
		return err
	}
	if owned {
		defer C.free(unsafe.Pointer(ckey))
	}
	cv, err := cValue(v)
	if err != nil {
		return err
	}
	defer freeCValue(&cv)
	err = o.op(context.Background(), func(h *C.v8r_object, _ C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_set(h, ckey, &cv, cerr)
	})
	runtime.KeepAlive(v)
	return err
}

// Has reports whether key in o (own or inherited).
func (o *Object) Has(key string) (bool, error) {
	ckey, owned, err := o.rt.names.get(key)
	if err != nil {
		return false, err
	}
	if owned {
		defer C.free(unsafe.Pointer(ckey))
	}
	var has C.bool
	err = o.op(context.Background(), func(h *C.v8r_object, _ C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_has(h, ckey, &has, cerr)
	})
	return bool(has), err
}

// Delete does delete o[key] and reports whether the property is gone.
func (o *Object) Delete(key string) (bool, error) {
	ckey, owned, err := o.rt.names.get(key)
	if err != nil {
		return false, err
	}
	if owned {
		defer C.free(unsafe.Pointer(ckey))
	}
	var gone C.bool
	err = o.op(context.Background(), func(h *C.v8r_object, _ C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_delete(h, ckey, &gone, cerr)
	})
	return bool(gone), err
}

// Keys is Object.keys(o): own enumerable string keys, in JS order.
func (o *Object) Keys() ([]string, error) {
	var out C.v8r_value
	err := o.op(context.Background(), func(h *C.v8r_object, _ C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_keys(h, &out, cerr)
	})
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := json.Unmarshal([]byte(o.rt.valueFromC(&out).text), &keys); err != nil {
		return nil, fmt.Errorf("%w: keys: %v", ErrInternal, err)
	}
	return keys, nil
}

// Value is the object copied out as a call result is (JSON for plain
// objects and arrays).
func (o *Object) Value() (Value, error) {
	var out C.v8r_value
	err := o.op(context.Background(), func(h *C.v8r_object, _ C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_value(h, &out, cerr)
	})
	if err != nil {
		return Value{}, err
	}
	return o.rt.valueFromC(&out), nil
}

// JSON is JSON.stringify(o).
func (o *Object) JSON() (string, error) {
	v, err := o.Value()
	if err != nil {
		return "", err
	}
	if v.kind != KindJSON {
		return "", fmt.Errorf("%w: a %s has no JSON form", ErrBadInput, o.typ)
	}
	return v.text, nil
}

// call calls o[method] (this = o), or o itself when method is "".
func (o *Object) call(ctx context.Context, method string, objects bool, args []any) (Value, error) {
	var cmethod *C.char
	if method != "" {
		var owned bool
		var err error
		if cmethod, owned, err = o.rt.names.get(method); err != nil {
			return Value{}, err
		} else if owned {
			defer C.free(unsafe.Pointer(cmethod))
		}
	}
	argv, free, err := cArgs(args)
	if err != nil {
		return Value{}, err
	}
	defer free()
	var argp *C.v8r_value
	if len(argv) > 0 {
		argp = &argv[0]
	}
	var out C.v8r_value
	err = o.op(ctx, func(h *C.v8r_object, id C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_call(h, cmethod, argp, C.size_t(len(argv)), objectFlags(objects), id, &out, cerr)
	})
	runtime.KeepAlive(args)
	if err != nil {
		return Value{}, err
	}
	return o.rt.valueFromC(&out), nil
}

// Call calls the method o[method] with this = o and args (converted as
// for Runtime.Call), and returns its result. Context handling as for Eval.
func (o *Object) Call(ctx context.Context, method string, args ...any) (Value, error) {
	return o.call(ctx, method, false, args)
}

// CallObject is Call returning the result as a live Object.
func (o *Object) CallObject(ctx context.Context, method string, args ...any) (*Object, error) {
	v, err := o.call(ctx, method, true, args)
	if err != nil {
		return nil, err
	}
	return v.objectResult()
}

// Invoke calls o, a function, with args (this undefined).
func (o *Object) Invoke(ctx context.Context, args ...any) (Value, error) {
	return o.call(ctx, "", false, args)
}

// Await waits for o as JS's await does: for a Promise it runs the
// runtime's event loop on this goroutine (as Run does) until the promise
// settles, and returns its value, or its rejection as an error (a
// *JSError for JS errors). Any other object is its own result. ctx stops
// the wait and what runs. With nothing left in the loop that could settle
// the promise, it returns ErrPending. Inside a Func callback or Pin of the
// same runtime only a settled promise can be awaited (else ErrWrongThread).
func (o *Object) Await(ctx context.Context) (Value, error) {
	var out C.v8r_value
	err := o.op(ctx, func(h *C.v8r_object, id C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_object_await(h, 0, id, &out, cerr)
	})
	if err != nil {
		return Value{}, err
	}
	return o.rt.valueFromC(&out), nil
}

// Release lets the runtime free the object. Idempotent.
func (o *Object) Release() {
	o.close(freeObject)
}

// liveObjects is how many object handles the library holds (leak tests).
func liveObjects() int { return int(C.v8r_object_count()) }

// kindOf is the Value kind of a live object.
func (o *Object) kindOf() Kind {
	if o.typ == TypePromise {
		return KindPromise
	}
	return KindObject
}
