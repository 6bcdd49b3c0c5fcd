package v8runner

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Binding Go values into JS by reflection: Bind and Wrap.
//
// Decision: reflection over exported methods and fields (as goja does),
// not an explicit method table: a Go type's exported API is already the
// table, and struct tags cover renames. Names start lower-case in JS
// (Query -> query, URLPath -> urlPath, ID -> id); a field tag `js:"name"`
// renames a field and `js:"-"` hides it.

// Bind makes v reachable from JS as the global object name (see Wrap).
// Names as for Func: an identifier, not a global yet unless Replace.
func (r *Runtime) Bind(name string, v any, opts ...FuncOption) error {
	var o funcOptions
	for _, opt := range opts {
		opt(&o)
	}
	obj, err := r.Wrap(v)
	if err != nil {
		return err
	}
	defer obj.Release()
	return r.setGlobal(name, obj, o.replace)
}

// Wrap makes a JS object standing for v, a Go value with methods (usually
// a pointer to a struct):
//
//   - each exported method is a JS method: db.query('x') calls
//     (*DB).Query("x"). JS arguments convert to the parameter types as
//     Value.Unmarshal does (a Value, *CallInfo or context.Context
//     parameter receives the call's own); results: none, a value, an
//     error, or a value and an error (a non-nil error is thrown).
//   - each exported field of the struct is an accessor property: reading
//     it in JS reads the Go field now, and assigning it sets the field
//     (when v is a pointer), converted as a method argument is.
//
// Methods run on the goroutine running the script, as Func callbacks do.
// The JS functions are made once per Go type and shared by its wrappers;
// each wrapper holds v until JS collects it (the runtime then lets go of
// v within a few calls or loop turns) or the runtime closes. A method
// called on anything but a wrapper throws a TypeError.
func (r *Runtime) Wrap(v any) (*Object, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return nil, fmt.Errorf("%w: cannot wrap a nil value", ErrBadInput)
	}
	r.wantsCallContext.Store(true)
	class, release, err := r.wraps.classFor(r, rv.Type())
	if err != nil {
		return nil, err
	}
	id := r.wraps.add(rv)
	obj, err := r.helperObject("wrap", class, id, release)
	if err != nil {
		r.wraps.drop(id)
		return nil, err
	}
	return obj, nil
}

// wraps is a runtime's wrapped Go values and the JS class of each type.
type wraps struct {
	mu      sync.Mutex
	classes map[reflect.Type]*Object
	values  map[uint64]reflect.Value
	next    uint64
	release *Object // the JS function a wrapper's collection calls
}

func (w *wraps) add(rv reflect.Value) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.values == nil {
		w.values = map[uint64]reflect.Value{}
	}
	w.next++
	w.values[w.next] = rv
	return w.next
}

func (w *wraps) drop(id uint64) {
	w.mu.Lock()
	delete(w.values, id)
	w.mu.Unlock()
}

func (w *wraps) live() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.values)
}

// value is the Go value of wrapper id (a JS number; 0: not a wrapper).
func (w *wraps) value(id Value, what string) (reflect.Value, error) {
	w.mu.Lock()
	rv, ok := w.values[uint64(id.Int())]
	w.mu.Unlock()
	if !ok {
		return reflect.Value{}, fmt.Errorf("TypeError: %s called on something that is not a wrapped Go value", what)
	}
	return rv, nil
}

// classFor is the JS class of Go type t, made on first use.
func (w *wraps) classFor(r *Runtime, t reflect.Type) (class, release *Object, err error) {
	w.mu.Lock()
	class, release = w.classes[t], w.release
	w.mu.Unlock()
	if class != nil {
		return class, release, nil
	}
	if release == nil {
		release, err = r.NewFunction("release", func(c *CallInfo) (any, error) {
			if len(c.Args) > 0 {
				w.drop(uint64(c.Args[0].Int()))
			}
			return nil, nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	class, err = r.makeClass(t)
	if err != nil {
		return nil, nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.release == nil {
		w.release = release
	}
	if w.classes == nil {
		w.classes = map[reflect.Type]*Object{}
	}
	if other := w.classes[t]; other != nil {
		class = other // made concurrently: one is enough
	} else {
		w.classes[t] = class
	}
	return class, w.release, nil
}

// makeClass makes the JS methods and field accessors of Go type t.
func (r *Runtime) makeClass(t reflect.Type) (*Object, error) {
	class, err := r.helperObject("makeClass", t.String())
	if err != nil {
		return nil, err
	}
	if err := r.fillClass(class, t); err != nil {
		class.Release()
		return nil, err
	}
	return class, nil
}

func (r *Runtime) fillClass(class *Object, t reflect.Type) error {
	fn := func(name string, impl func(c *CallInfo) (any, error)) (*Object, error) {
		return r.NewFunction(name, impl)
	}
	seen := map[string]string{}
	claim := func(js, goName string) error {
		if other, dup := seen[js]; dup {
			return fmt.Errorf("%w: %s and %s are both %q in JS", ErrExists, other, goName, js)
		}
		seen[js] = goName
		return nil
	}
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if !m.IsExported() {
			continue
		}
		js, index := jsName(m.Name), i
		if err := claim(js, m.Name); err != nil {
			return err
		}
		impl, err := fn(js, func(c *CallInfo) (any, error) {
			rv, err := r.wraps.value(c.Args[0], js)
			if err != nil {
				return nil, err
			}
			return callMethod(rv.Method(index), js, c, c.Args[1:])
		})
		if err != nil {
			return err
		}
		_, err = r.helperCall("addMethod", class, js, impl)
		impl.Release()
		if err != nil {
			return err
		}
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct {
		return nil
	}
	for _, field := range reflect.VisibleFields(st) {
		if !field.IsExported() || field.Anonymous {
			continue
		}
		js, skip := fieldName(field)
		if skip {
			continue
		}
		if err := claim(js, field.Name); err != nil {
			return err
		}
		get, set, err := r.fieldAccessors(t, field, js, fn)
		if err != nil {
			return err
		}
		_, err = r.helperCall("addField", class, js, get, set)
		get.Release()
		if o, ok := set.(*Object); ok {
			o.Release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fieldAccessors are get(id) and set(id, v) (undefined: read-only) of a
// field.
func (r *Runtime) fieldAccessors(t reflect.Type, field reflect.StructField, js string,
	fn func(string, func(*CallInfo) (any, error)) (*Object, error)) (get *Object, set any, err error) {
	fieldOf := func(c *CallInfo) (reflect.Value, error) {
		rv, err := r.wraps.value(c.Args[0], js)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.Indirect(rv).FieldByIndexErr(field.Index)
	}
	get, err = fn("get "+js, func(c *CallInfo) (any, error) {
		fv, err := fieldOf(c)
		if err != nil {
			return nil, err
		}
		return fv.Interface(), nil
	})
	if err != nil {
		return nil, nil, err
	}
	if t.Kind() != reflect.Pointer {
		return get, Value{}, nil // a copy: read-only
	}
	setter, err := fn("set "+js, func(c *CallInfo) (any, error) {
		fv, err := fieldOf(c)
		if err != nil {
			return nil, err
		}
		var arg Value
		if len(c.Args) > 1 {
			arg = c.Args[1]
		}
		return nil, convertArg(arg, fv.Addr().Interface(), js)
	})
	if err != nil {
		get.Release()
		return nil, nil, err
	}
	return get, setter, nil
}

// helperSource is the JS of the small helpers Bind, Wrap and Export need.
// A wrapper's id is a private field: scripts cannot read or forge it.
var helperSource = `(() => {
	class Handle {
		#id;
		constructor(id) { this.#id = id }
		static id(o) { return o !== null && typeof o === 'object' && #id in o ? o.#id : 0 }
	}
	let gone;
	return {
		exportJSON: ` + exportSource + `,
		makeClass(name) {
			const proto = {};
			Object.defineProperty(proto, Symbol.toStringTag, {value: name});
			function Wrapped() {}
			Wrapped.prototype = proto;
			return {Wrapped, proto, accessors: []};
		},
		addMethod(cls, k, impl) {
			const f = {[k](...a) { return impl(Handle.id(this), ...a) }}[k];
			Object.defineProperty(cls.proto, k, {value: f, writable: true, configurable: true});
		},
		addField(cls, k, get, set) {
			cls.accessors.push([k,
				function () { return get(Handle.id(this)) },
				set && function (v) { set(Handle.id(this), v) }]);
		},
		wrap(cls, id, release) {
			const o = Reflect.construct(Handle, [id], cls.Wrapped);
			for (const [k, get, set] of cls.accessors)
				Object.defineProperty(o, k, {get, set, enumerable: true, configurable: true});
			(gone ??= new FinalizationRegistry((id) => release(id))).register(o, id);
			return o;
		},
	};
})()`

// helperObject calls one of the helpers; an object result comes back live.
func (r *Runtime) helperObject(name string, args ...any) (*Object, error) {
	if err := r.makeHelpers(); err != nil {
		return nil, err
	}
	return r.helpers.CallObject(context.Background(), name, args...)
}

// helperCall calls one of the helpers, made once per runtime.
func (r *Runtime) helperCall(name string, args ...any) (Value, error) {
	if err := r.makeHelpers(); err != nil {
		return Value{}, err
	}
	return r.helpers.Call(context.Background(), name, args...)
}

func (r *Runtime) makeHelpers() error {
	r.bindOnce.Do(func() {
		r.helpers, r.helpersErr = r.EvalObject(context.Background(), helperSource)
	})
	return r.helpersErr
}

var (
	typeValue    = reflect.TypeFor[Value]()
	typeCallInfo = reflect.TypeFor[*CallInfo]()
	typeContext  = reflect.TypeFor[context.Context]()
	typeError    = reflect.TypeFor[error]()
)

// callMethod calls m with a JS call's arguments args (see Wrap).
func callMethod(m reflect.Value, name string, c *CallInfo, args []Value) (any, error) {
	t := m.Type()
	in := make([]reflect.Value, 0, t.NumIn())
	for i := 0; i < t.NumIn(); i++ {
		pt := t.In(i)
		switch {
		case pt == typeContext:
			in = append(in, reflect.ValueOf(c.Context()))
			continue
		case pt == typeCallInfo:
			in = append(in, reflect.ValueOf(c))
			continue
		}
		if t.IsVariadic() && i == t.NumIn()-1 {
			for _, a := range args {
				v, err := argValue(a, pt.Elem(), name)
				if err != nil {
					return nil, err
				}
				in = append(in, v)
			}
			args = nil
			break
		}
		var a Value // missing arguments are undefined
		if len(args) > 0 {
			a, args = args[0], args[1:]
		}
		v, err := argValue(a, pt, name)
		if err != nil {
			return nil, err
		}
		in = append(in, v)
	}
	return results(m.Call(in))
}

// argValue converts a JS argument to a Go parameter of type t.
func argValue(a Value, t reflect.Type, method string) (reflect.Value, error) {
	if t == typeValue {
		return reflect.ValueOf(a), nil
	}
	p := reflect.New(t)
	if err := convertArg(a, p.Interface(), method); err != nil {
		return reflect.Value{}, err
	}
	return p.Elem(), nil
}

// convertArg stores JS value a in *dst; undefined leaves the zero value.
func convertArg(a Value, dst any, what string) error {
	if a.IsUndefined() {
		return nil
	}
	if err := a.Unmarshal(dst); err != nil {
		return fmt.Errorf("%s: %s cannot become %T: %w", what, a.Kind(), dst, err)
	}
	return nil
}

// results turns a method's results into a Func's.
func results(out []reflect.Value) (any, error) {
	var err error
	if n := len(out); n > 0 && out[n-1].Type() == typeError {
		if e := out[n-1].Interface(); e != nil {
			err = e.(error)
		}
		out = out[:n-1]
	}
	switch {
	case err != nil:
		return nil, err
	case len(out) == 0:
		return nil, nil
	case len(out) == 1:
		return out[0].Interface(), nil
	}
	all := make([]any, len(out))
	for i, v := range out {
		all[i] = v.Interface()
	}
	return all, nil // several results: a JS array
}

// fieldName is a field's JS name, from its `js` tag or its Go name.
func fieldName(f reflect.StructField) (name string, skip bool) {
	tag, ok := f.Tag.Lookup("js")
	if tag == "-" {
		return "", true
	}
	if tag, _, _ = strings.Cut(tag, ","); ok && tag != "" {
		return tag, false
	}
	return jsName(f.Name), false
}

// jsName lower-cases a Go name's leading capitals as JS style does:
// Query -> query, URLPath -> urlPath, ID -> id.
func jsName(goName string) string {
	runes := []rune(goName)
	n := 0
	for n < len(runes) && unicode.IsUpper(runes[n]) {
		n++
	}
	if n > 1 && n < len(runes) {
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		runes[i] = unicode.ToLower(runes[i])
	}
	if !utf8.ValidString(goName) {
		return goName
	}
	return string(runes)
}
