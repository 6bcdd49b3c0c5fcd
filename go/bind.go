package v8runner

import (
	"context"
	"fmt"
	"reflect"
	"strings"
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
	if err := checkIdentifier(name); err != nil {
		return err
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
// The runtime holds v and the functions made for it until it closes, as
// it holds Func functions: wrap long-lived values (a service, a store),
// not one value per request (pass plain data for those).
func (r *Runtime) Wrap(v any) (*Object, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return nil, fmt.Errorf("%w: cannot wrap a nil value", ErrBadInput)
	}
	obj, err := r.EvalObject(context.Background(), "({})")
	if err != nil {
		return nil, err
	}
	if err := r.bindMembers(obj, rv); err != nil {
		obj.Release()
		return nil, err
	}
	return obj, nil
}

func (r *Runtime) bindMembers(obj *Object, rv reflect.Value) error {
	r.wantsCallContext.Store(true)
	t := rv.Type()
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
		js := jsName(m.Name)
		if err := claim(js, m.Name); err != nil {
			return err
		}
		f, err := r.NewFunction(js, methodCaller(rv.Method(i), m.Name))
		if err != nil {
			return err
		}
		err = obj.Set(js, f)
		f.Release()
		if err != nil {
			return err
		}
	}
	sv := reflect.Indirect(rv)
	if sv.Kind() != reflect.Struct {
		return nil
	}
	for _, field := range reflect.VisibleFields(sv.Type()) {
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
		if err := r.bindField(obj, sv, field, js); err != nil {
			return err
		}
	}
	return nil
}

// bindField defines obj[js] as an accessor over sv's field.
func (r *Runtime) bindField(obj *Object, sv reflect.Value, field reflect.StructField, js string) error {
	get, err := r.NewFunction("get "+js, func(*CallInfo) (any, error) {
		fv, err := sv.FieldByIndexErr(field.Index)
		if err != nil {
			return nil, err
		}
		return fv.Interface(), nil
	})
	if err != nil {
		return err
	}
	defer get.Release()
	var set any = Value{} // undefined: read-only
	if sv.CanAddr() {
		setter, err := r.NewFunction("set "+js, func(c *CallInfo) (any, error) {
			fv, err := sv.FieldByIndexErr(field.Index)
			if err != nil {
				return nil, err
			}
			var arg Value
			if len(c.Args) > 0 {
				arg = c.Args[0]
			}
			return nil, convertArg(arg, fv.Addr().Interface(), js)
		})
		if err != nil {
			return err
		}
		defer setter.Release()
		set = setter
	}
	_, err = r.helperCall("define", obj, js, get, set)
	return err
}

// helperSource is the JS of the small helpers Bind and Export need.
var helperSource = `({
	define(o, k, get, set) { Object.defineProperty(o, k, {get, set, enumerable: true}) },
	setGlobal(k, v) { 'use strict'; globalThis[k] = v },
	exportJSON: ` + exportSource + `,
})`

// helperCall calls one of the helpers, made once per runtime.
func (r *Runtime) helperCall(name string, args ...any) (Value, error) {
	r.bindOnce.Do(func() {
		r.helpers, r.helpersErr = r.EvalObject(context.Background(), helperSource)
	})
	if r.helpersErr != nil {
		return Value{}, r.helpersErr
	}
	return r.helpers.Call(context.Background(), name, args...)
}

var (
	typeValue    = reflect.TypeFor[Value]()
	typeCallInfo = reflect.TypeFor[*CallInfo]()
	typeContext  = reflect.TypeFor[context.Context]()
	typeError    = reflect.TypeFor[error]()
)

// methodCaller calls m with a JS call's arguments (see Wrap).
func methodCaller(m reflect.Value, name string) func(c *CallInfo) (any, error) {
	t := m.Type()
	return func(c *CallInfo) (any, error) {
		in := make([]reflect.Value, 0, t.NumIn())
		args := c.Args
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
