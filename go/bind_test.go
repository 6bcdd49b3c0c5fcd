package v8runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type testDB struct {
	Name    string
	Rows    int    `js:"rowCount"`
	Secret  string `js:"-"`
	URLPath string
	queries []string
}

func (db *testDB) Query(q string, limit int) ([]string, error) {
	if q == "" {
		return nil, errNotFound
	}
	db.queries = append(db.queries, q)
	return []string{fmt.Sprintf("%s#%d", q, limit)}, nil
}

func (db *testDB) Count() int { return len(db.queries) }
func (db *testDB) Sum(xs ...float64) (s float64) {
	for _, x := range xs {
		s += x
	}
	return s
}
func (db *testDB) Deadline(ctx context.Context) bool        { _, ok := ctx.Deadline(); return ok }
func (db *testDB) Raw(v Value) string                       { return v.Kind().String() }
func (db *testDB) Pair() (string, int)                      { return "a", 1 }
func (db *testDB) SetTitle(t struct{ Title string }) string { return t.Title }

func TestBindGoObject(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	db := &testDB{Name: "main", Rows: 3, Secret: "hidden"}
	if err := rt.Bind("db", db); err != nil {
		t.Fatal(err)
	}
	cases := [][2]string{
		{"db.query('x', 5)[0]", "x#5"},
		{"db.count()", "1"},
		{"db.query.name", "query"},
		{"db.sum(1, 2, 3.5)", "6.5"},
		{"db.raw({a: 1})", "json"},
		{"db.raw()", "undefined"},
		{"JSON.stringify(db.pair())", `["a",1]`},
		{"db.setTitle({Title: 'T'})", "T"},
		{"db.name + ':' + db.rowCount", "main:3"},
		{"'secret' in db || 'Secret' in db", "false"},
		{"db.urlPath === ''", "true"},
		{"Object.keys(db).includes('name')", "true"},
	}
	for _, c := range cases {
		src, want := c[0], c[1]
		v, err := rt.Eval(ctx, src)
		if err != nil || v.String() != want {
			t.Errorf("%s = %v, %v; want %s", src, v, err, want)
		}
	}
	if v, err := rt.Eval(ctx, "db.name = 'renamed'; db.name"); err != nil || v.String() != "renamed" {
		t.Errorf("set field: %v %v", v, err)
	}
	if db.Name != "renamed" {
		t.Errorf("field not set from JS: %q", db.Name)
	}
	// A method's error is thrown in JS and keeps its identity in Go.
	if _, err := rt.Eval(ctx, "db.query('')"); !errors.Is(err, errNotFound) {
		t.Errorf("method error: %v", err)
	}
	// Bad arguments are a clear JS error, not a panic.
	v, err := rt.Eval(ctx, "try { db.query({}, 1); 'no' } catch (e) { e.message }")
	if err != nil || !strings.Contains(v.String(), "cannot become") {
		t.Errorf("bad argument: %v %v", v, err)
	}
	v, err = rt.Eval(ctx, "try { db.rowCount = 'many'; 'no' } catch (e) { e.message }")
	if err != nil || !strings.Contains(v.String(), "rowCount") {
		t.Errorf("bad field value: %v %v", v, err)
	}
	// The call's context reaches a method that asks for it.
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if v, err := rt.Eval(dctx, "db.deadline()"); err != nil || !v.Bool() {
		t.Errorf("deadline seen: %v %v", v, err)
	}
	if v, err := rt.Eval(ctx, "db.deadline()"); err != nil || v.Bool() {
		t.Errorf("no deadline: %v %v", v, err)
	}
	// A struct value (not a pointer) has read-only fields.
	if err := rt.Bind("cfg", struct{ Port int }{8080}); err != nil {
		t.Fatal(err)
	}
	if v, _ := rt.Eval(ctx, "'use strict'; try { cfg.port = 1; 'set' } catch (e) { cfg.port }"); v.String() != "8080" {
		t.Errorf("read-only field: %v", v)
	}
	if err := rt.Bind("nothing", (*testDB)(nil)); !errors.Is(err, ErrBadInput) {
		t.Errorf("nil: %v", err)
	}
}

func TestRegisterNamesAndReplace(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	fn := func(args ...Value) (any, error) { return "mine", nil }
	for _, name := range []string{"Math", "console", "setTimeout", "JSON"} {
		if err := rt.Func(name, fn); !errors.Is(err, ErrExists) {
			t.Errorf("Func(%q): %v", name, err)
		}
		if err := rt.Bind(name, &testDB{}); !errors.Is(err, ErrExists) {
			t.Errorf("Bind(%q): %v", name, err)
		}
	}
	if err := rt.Func("mine", fn); err != nil {
		t.Fatal(err)
	}
	if err := rt.AsyncFunc("mine", func(context.Context, ...Value) (any, error) { return nil, nil }); !errors.Is(err, ErrExists) {
		t.Errorf("registered twice: %v", err)
	}
	for _, name := range []string{"", "a b", "1x", "if", "x.y", "new"} {
		if err := rt.Func(name, fn); !errors.Is(err, ErrBadInput) {
			t.Errorf("Func(%q): %v", name, err)
		}
		if err := rt.FuncWith(name, func(*CallInfo) (any, error) { return nil, nil }, Replace()); !errors.Is(err, ErrBadInput) {
			t.Errorf("FuncWith(%q): %v", name, err)
		}
	}
	if v, _ := rt.Eval(ctx, "typeof Math.max"); v.String() != "function" {
		t.Errorf("Math was touched: %v", v)
	}
	// Replace is explicit.
	var logged []string
	err := rt.FuncWith("log", func(c *CallInfo) (any, error) {
		logged = append(logged, c.Args[0].String())
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Func("setTimeout", fn, Replace()); err != nil {
		t.Fatal(err)
	}
	if v, err := rt.Eval(ctx, "setTimeout()"); err != nil || v.String() != "mine" {
		t.Errorf("replaced setTimeout: %v %v", v, err)
	}
	if err := rt.Func("mine", func(args ...Value) (any, error) { return "again", nil }, Replace()); err != nil {
		t.Fatal(err)
	}
	if v, _ := rt.Eval(ctx, "log('x'); mine()"); v.String() != "again" || len(logged) != 1 {
		t.Errorf("replaced mine: %v %v", v, logged)
	}
	if err := rt.Func("undefined", fn, Replace()); !errors.Is(err, ErrExists) && !errors.Is(err, ErrBadInput) {
		t.Errorf("undefined is not replaceable: %v", err)
	}
}

func TestFuncWithThisAndContext(t *testing.T) {
	rt := newRuntime(t)
	type key struct{}
	err := rt.FuncWith("who", func(c *CallInfo) (any, error) {
		name := ""
		if o := c.This.Object(); o != nil {
			v, _ := o.Get("name")
			name = v.String()
		}
		tag, _ := c.Context().Value(key{}).(string)
		return fmt.Sprintf("%s/%s/%d", name, tag, len(c.Args)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), key{}, "req-1")
	v, err := rt.Eval(ctx, "({name: 'svc', who}).who(1, 2)")
	if err != nil || v.String() != "svc/req-1/2" {
		t.Errorf("this and ctx: %v %v", v, err)
	}
	// A timer callback sees the context of the Run that fires it.
	if _, err := rt.Eval(context.Background(), "setTimeout(() => globalThis.seen = who.call({name: 't'}), 1)"); err != nil {
		t.Fatal(err)
	}
	if err := rt.Run(context.WithValue(context.Background(), key{}, "loop")); err != nil {
		t.Fatal(err)
	}
	if v, _ := rt.Eval(context.Background(), "seen"); v.String() != "t/loop/0" {
		t.Errorf("timer: %v", v)
	}
	// Nested: a Go call inside the callback has its own context.
	err = rt.FuncWith("nested", func(c *CallInfo) (any, error) {
		inner := context.WithValue(c.Context(), key{}, "inner")
		v, err := rt.Eval(inner, "who.call({name: 'n'})")
		if err != nil {
			return nil, err
		}
		outer, _ := rt.Eval(c.Context(), "who.call({name: 'o'})")
		return v.String() + "," + outer.String(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rt.Eval(ctx, "nested()"); err != nil || v.String() != "n/inner/0,o/req-1/0" {
		t.Errorf("nested: %v %v", v, err)
	}
	// NewFunction: a function value, not a global.
	f, err := rt.NewFunction("double", func(c *CallInfo) (any, error) { return c.Args[0].Float() * 2, nil })
	if err != nil {
		t.Fatal(err)
	}
	g, _ := rt.Global()
	defer g.Release()
	if v, err := g.Call(context.Background(), "eval", "typeof double"); err != nil || v.String() != "undefined" {
		t.Errorf("NewFunction made a global: %v %v", v, err)
	}
	if v, err := f.Invoke(context.Background(), 21); err != nil || v.Float() != 42 {
		t.Errorf("invoke: %v %v", v, err)
	}
	f.Release()
}

type wrapped struct{ N int }

func (w *wrapped) Double() int { return w.N * 2 }

func TestWrapSharesClassesAndReleases(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	check, err := rt.EvalObject(ctx, "(w) => w.double() + w.n")
	if err != nil {
		t.Fatal(err)
	}
	defer check.Release()
	const n = 20000
	for i := 0; i < n; i++ {
		o, err := rt.Wrap(&wrapped{N: i})
		if err != nil {
			t.Fatal(err)
		}
		if i%1000 == 0 {
			if v, err := check.Invoke(ctx, o); err != nil || v.Int() != int64(3*i) {
				t.Fatalf("wrapper %d: %v %v", i, v, err)
			}
		}
		o.Release()
	}
	// Collected wrappers let go of their Go values (V8 collects them as
	// it allocates; the cleanups run at later calls).
	for i := 0; i < 20 && rt.wraps.live() > n/2; i++ {
		rt.Eval(ctx, "new Array(1e6).fill(0).length") // allocation pressure
	}
	if live := rt.wraps.live(); live > n/2 {
		t.Errorf("%d of %d wrapped values still held", live, n)
	}
	// One JS class per Go type, however many values.
	rt.wraps.mu.Lock()
	classes := len(rt.wraps.classes)
	rt.wraps.mu.Unlock()
	if classes != 1 {
		t.Errorf("%d classes", classes)
	}
	// A method taken off its wrapper is refused, not confused.
	o, _ := rt.Wrap(&wrapped{N: 1})
	defer o.Release()
	g, _ := rt.Global()
	defer g.Release()
	g.Set("w", o)
	v, err := rt.Eval(ctx, "try { w.double.call({}) } catch (e) { e.message }")
	if err != nil || !strings.Contains(v.String(), "not a wrapped Go value") {
		t.Errorf("foreign this: %v %v", v, err)
	}
	if v, _ := rt.Eval(ctx, "Object.getOwnPropertySymbols(w).length + ':' + Object.prototype.toString.call(w)"); v.String() != "0:[object *v8runner.wrapped]" {
		t.Errorf("wrapper internals visible: %v", v)
	}
}
