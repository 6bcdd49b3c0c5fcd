package v8runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// goTrace records a Go hook set's events, one string per event.
type goTrace struct {
	mu  sync.Mutex
	log []string
}

func (g *goTrace) add(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.log = append(g.log, fmt.Sprintf(format, args...))
}

func (g *goTrace) hooks(types ...string) AsyncHooks {
	return AsyncHooks{
		Init:    func(id uint64, typ string, trigger uint64) { g.add("init %s %d<-%d", typ, id, trigger) },
		Before:  func(id uint64) { g.add("before %d", id) },
		After:   func(id uint64) { g.add("after %d", id) },
		Destroy: func(id uint64) { g.add("destroy %d", id) },
		Types:   types,
	}
}

func (g *goTrace) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.log, "\n")
}

// Go and JS hook sets on one runtime see the same events, in Node's order
// (a child's init between its parent's before and after).
func TestAsyncHooksGoAndJS(t *testing.T) {
	rt := newRuntime(t)
	var g goTrace
	if _, err := rt.SetAsyncHooks(g.hooks("Timeout", "Immediate", "HostPromise")); err != nil {
		t.Fatal(err)
	}
	if err := rt.AsyncFunc("fetch", func(ctx context.Context, args ...Value) (any, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, `var log = [];
		asyncHooks.createHook({ types: ['Timeout', 'Immediate', 'HostPromise'],
			init(id, type, trigger) { log.push('init ' + type + ' ' + id + '<-' + trigger) },
			before(id) { log.push('before ' + id) }, after(id) { log.push('after ' + id) },
			destroy(id) { log.push('destroy ' + id) } }).enable();
		setTimeout(() => { setImmediate(() => {}) }, 1);`)
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "fetch()")
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "init Timeout 2<-1\nbefore 2\ninit Immediate 3<-2\nafter 2\ndestroy 2\nbefore 3\nafter 3\ndestroy 3\n" +
		"init HostPromise 4<-1\nbefore 4\nafter 4\ndestroy 4"
	if got := g.String(); got != want {
		t.Errorf("Go hooks:\n%s\nwant\n%s", got, want)
	}
	if got := mustEval(t, rt, "log.join('\\n')").String(); got != want {
		t.Errorf("JS hooks:\n%s\nwant\n%s", got, want)
	}
}

// A disabled set hears nothing (Node's rule), not even of resources whose
// Init it saw; Enable resumes; bad types fail.
func TestAsyncHookSetDisable(t *testing.T) {
	rt := newRuntime(t)
	var g goTrace
	set, err := rt.SetAsyncHooks(g.hooks())
	if err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "setTimeout(() => {}, 1)")
	if err := set.Disable(); err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "setTimeout(() => {}, 1)")
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := set.Enable(); err != nil {
		t.Fatal(err)
	}
	mustEval(t, rt, "setImmediate(() => {})")
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "init Timeout 2<-1\ninit Immediate 4<-1\nbefore 4\nafter 4\ndestroy 4"
	if got := g.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := rt.SetAsyncHooks(AsyncHooks{Types: []string{"Nope"}}); !errors.Is(err, ErrBadInput) {
		t.Errorf("unknown type: %v", err)
	}
	rt.Close()
	if err := set.Disable(); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

// Inside a Go callback, AsyncIDs names the resource whose callback runs.
func TestAsyncIDsInGoCallback(t *testing.T) {
	rt := newRuntime(t)
	var ids [][2]uint64
	rt.Func("where", func(args ...Value) (any, error) {
		e, tr := rt.AsyncIDs()
		ids = append(ids, [2]uint64{e, tr})
		return nil, nil
	})
	if _, err := rt.SetAsyncHooks(AsyncHooks{}); err != nil { // tracking on: trigger ids known
		t.Fatal(err)
	}
	mustEval(t, rt, "where(); setTimeout(() => { where(); setTimeout(where, 1) }, 1)")
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[[1 0] [2 1] [3 2]]" {
		t.Errorf("ids: %v", ids)
	}
	if e, tr := rt.AsyncIDs(); e != 1 || tr != 0 {
		t.Errorf("outside: %d %d", e, tr)
	}
}

// AsyncLocalStorage: the store set around an AsyncFunc call is the one its
// continuation sees, and two interleaved chains never mix.
func TestAsyncLocalStorageAcrossAsyncFunc(t *testing.T) {
	rt := newRuntime(t)
	rt.AsyncFunc("slow", func(ctx context.Context, args ...Value) (any, error) {
		time.Sleep(time.Duration(args[0].Int()) * time.Millisecond)
		return args[0].Int(), nil
	})
	mustEval(t, rt, `var out = []; const als = new AsyncLocalStorage();
		for (const [name, ms] of [['a', 20], ['b', 1], ['c', 10]]) {
			als.run(name, async () => {
				const v = await slow(ms);
				out.push(als.getStore() + v);
				await new Promise(r => setTimeout(r, 25 - ms));
				out.push(als.getStore() + '!');
			});
		}`)
	if err := rt.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := mustEval(t, rt, "out.sort().join(' ')").String()
	if got != "a! a20 b! b1 c! c10" {
		t.Errorf("got %q", got)
	}
}

// A panic in a Go hook is recovered at the boundary and re-raised by Run;
// the runtime keeps working.
func TestAsyncHookPanic(t *testing.T) {
	rt := newRuntime(t)
	rt.SetAsyncHooks(AsyncHooks{Before: func(id uint64) { panic(fmt.Sprintf("hook %d", id)) }})
	mustEval(t, rt, "var ran = false; setTimeout(() => { ran = true }, 1)")
	func() {
		defer func() {
			if p := recover(); fmt.Sprint(p) != "hook 2" {
				t.Errorf("recovered %v", p)
			}
		}()
		rt.Run(context.Background())
	}()
	if !mustEval(t, rt, "ran").Bool() {
		t.Error("the callback did not run")
	}
}
