package v8runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var moduleFS = fstest.MapFS{
	"main.js": {Data: []byte(`import a, { b } from './lib/a.js';
import * as re from './lib/re.js';
import cfg from './cfg.json' with { type: 'json' };
import { get } from 'host:kv';
import { shout } from 'strings';
import { ready } from './lib/slow.js';
export const sum = a + b + re.c + cfg.n;
export const url = import.meta.url;
export const resolved = import.meta.resolve('./lib/a.js');
export const fromGo = get('answer');
export const loud = shout('hi');
export { ready };
export let lazy;
setTimeout(async () => { lazy = (await import('./lib/lazy.js')).default }, 1);
`)},
	"lib/a.js":                {Data: []byte(`import { b } from './b.js'; export default 1; export { b }; globalThis.aRuns = (globalThis.aRuns ?? 0) + 1;`)},
	"lib/b.js":                {Data: []byte(`import a from './a.js'; export const b = 2; export const seeA = () => a;`)},
	"lib/re.js":               {Data: []byte(`export { b as c } from './b.js';`)},
	"lib/slow.js":             {Data: []byte(`await new Promise(r => setTimeout(r, 5)); export const ready = 'after TLA';`)},
	"lib/lazy.js":             {Data: []byte(`export default 'loaded later';`)},
	"cfg.json":                {Data: []byte(`{"n": 10}`)},
	"vendor/strings/index.js": {Data: []byte(`export const shout = (s) => s.toUpperCase() + '!';`)},
	"bad/missing.js":          {Data: []byte("// a comment\nimport { x } from './nope.js';\nexport default x;")},
	"bad/syntax.js":           {Data: []byte(`export const = 1;`)},
	"bad/throws.js":           {Data: []byte(`throw new RangeError('module failed');`)},
	"bad/bare.js":             {Data: []byte(`import x from 'unmapped'; export default x;`)},
	"bad/json.js":             {Data: []byte(`import c from '../cfg.json'; export default c;`)},
}

func TestModulesFromFS(t *testing.T) {
	rt, err := NewRuntime(WithModules(moduleFS), WithImportMap(map[string]string{"strings": "vendor/strings/index.js"}))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	err = rt.Module("host:kv", map[string]any{
		"get": func(args ...Value) (any, error) { return map[string]int{"answer": 42}[args[0].String()], nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Module("host:kv", nil); !errors.Is(err, ErrExists) {
		t.Errorf("defined twice: %v", err)
	}
	ns, err := rt.Import(ctx, "main.js")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Release()
	want := map[string]string{
		"sum": "15", "url": "file:///main.js", "resolved": "file:///lib/a.js",
		"fromGo": "42", "loud": "HI!", "ready": "after TLA",
	}
	for k, w := range want {
		if v, err := ns.Get(k); err != nil || v.String() != w {
			t.Errorf("%s = %v, %v; want %s", k, v, err, w)
		}
	}
	if err := rt.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := ns.Get("lazy"); v.String() != "loaded later" {
		t.Errorf("dynamic import from a timer: %v", v)
	}
	// Once per runtime.
	again, err := rt.Import(ctx, "/main.js")
	if err != nil {
		t.Fatal(err)
	}
	again.Release()
	if v, _ := rt.Eval(ctx, "aRuns"); v.Int() != 1 {
		t.Errorf("a.js ran %v times", v)
	}
	// A module from source, importing from the FS.
	m, err := rt.EvalModule(ctx, "import { b } from './lib/b.js'; export default b * 100", "/inline.js")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("default"); v.Int() != 200 {
		t.Errorf("inline module: %v", v)
	}
	m.Release()
}

func TestModuleErrors(t *testing.T) {
	rt, err := NewRuntime(WithModules(moduleFS))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	cases := []struct{ name, want string }{
		{"bad/missing.js", `"./nope.js" from file:///bad/missing.js`},
		{"bad/missing.js", "file:///bad/missing.js:2:19"},
		{"bad/bare.js", `bare specifier "unmapped" is not in the import map`},
		{"bad/json.js", "type: 'json'"},
		{"nothere.js", "file does not exist"},
		{"bad/throws.js", "RangeError: module failed"},
		{"bad/throws.js", "RangeError: module failed"}, // again: the same error
	}
	for _, c := range cases {
		_, err := rt.Import(ctx, c.name)
		var jsErr *JSError
		if !errors.As(err, &jsErr) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Import(%s) = %v; want %q", c.name, err, c.want)
		}
	}
	_, err = rt.Import(ctx, "bad/syntax.js")
	var jsErr *JSError
	if !errors.As(err, &jsErr) || !jsErr.Syntax || jsErr.Resource != "file:///bad/syntax.js" {
		t.Errorf("syntax error: %#v", err)
	}
	// Still usable; and without WithModules, imports say why they fail.
	if v, err := rt.Eval(ctx, "1 + 1"); err != nil || v.Int() != 2 {
		t.Errorf("after errors: %v %v", v, err)
	}
	plain := newRuntime(t)
	if _, err := plain.Import(ctx, "main.js"); err == nil || !strings.Contains(err.Error(), "no module loader") {
		t.Errorf("no loader: %v", err)
	}
	// Nothing resolves outside the FS.
	l := newModuleLoader(moduleFS, nil)
	if name, _ := l.resolve("../../../etc/passwd", "file:///lib/a.js"); name != "file:///etc/passwd" {
		t.Errorf("escaped: %s", name)
	}
}

// A real ESM package (a subset of lodash-es, testdata/lodash-es with its
// licence) gives the same results as under Node.
func TestModulesRealPackageMatchesNode(t *testing.T) {
	rt, err := NewRuntime(WithModules(os.DirFS("testdata")))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ns, err := rt.Import(context.Background(), "lodash_main.js")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Release()
	ours, _ := ns.Get("result")
	if !strings.Contains(ours.String(), `"chunk":[[0,1,2],[3,4,5],[6,7,8],[9]]`) {
		t.Errorf("result: %s", ours)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for the differential check (Node 20 is part of the test setup)")
	}
	out, err := exec.Command(node, "--input-type=module", "-e",
		"import('./testdata/lodash_main.js').then(m => process.stdout.write(m.result))").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != ours.String() {
		t.Errorf("differs from Node:\n node: %s\n ours: %s", out, ours)
	}
}

// 1,000 runtimes, each importing a 50-module graph and closed: RSS stays
// flat (module records, loader handles and namespaces all go with them).
func TestModuleGraphsDoNotLeak(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := 0; i < 50; i++ {
		src := fmt.Sprintf("export const v%d = %d;", i, i)
		if i+1 < 50 {
			src = fmt.Sprintf("import { v%d } from './m%d.js'; export const v%d = v%d + 1;", i+1, i+1, i, i+1)
		}
		fsys[fmt.Sprintf("m%d.js", i)] = &fstest.MapFile{Data: []byte(src)}
	}
	runs := 1000
	if testing.Short() || raceEnabled {
		runs = 200
	}
	ctx := context.Background()
	one := func() {
		rt, err := NewRuntime(WithModules(fsys))
		if err != nil {
			t.Fatal(err)
		}
		ns, err := rt.Import(ctx, "m0.js")
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := ns.Get("v0"); v.Int() != 98 {
			t.Fatalf("v0 = %v", v)
		}
		rt.Close()
	}
	live := liveRuntimes()
	for i := 0; i < runs/5; i++ {
		one()
	}
	runtime.GC()
	before := rssKiB(t)
	for i := 0; i < runs-runs/5; i++ {
		one()
	}
	runtime.GC()
	grown := rssKiB(t) - before
	t.Logf("RSS over %d runtimes importing 50 modules: %+d KiB", runs-runs/5, grown)
	if grown > 40*1024 {
		t.Errorf("RSS grew %d KiB", grown)
	}
	if n := liveRuntimes(); n > live {
		t.Errorf("%d runtimes still alive", n)
	}
}

// Module code cache in a directory: the first runtime writes one file per
// JS module, a later one loads from them (and writes nothing), and a
// corrupt file is replaced.
func TestModuleCodeCache(t *testing.T) {
	dir := t.TempDir()
	fsys := fstest.MapFS{
		"main.js": {Data: []byte("import { f } from './lib.js'; import d from './d.json' with { type: 'json' }; export default f(d.n);")},
		"lib.js":  {Data: []byte("export function f(x) { return x * 3 }")},
		"d.json":  {Data: []byte(`{"n": 14}`)},
	}
	ctx := context.Background()
	importMain := func() {
		rt, err := NewRuntime(WithModules(fsys), WithModuleCache(dir))
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		ns, err := rt.Import(ctx, "main.js")
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := ns.Get("default"); v.Int() != 42 {
			t.Fatalf("default = %v", v)
		}
	}
	importMain()
	files, _ := filepath.Glob(filepath.Join(dir, "*.v8c"))
	if len(files) != 2 {
		t.Fatalf("%d cache files, want 2 (JS modules only)", len(files))
	}
	old := time.Now().Add(-time.Hour)
	for _, f := range files {
		os.Chtimes(f, old, old)
	}
	importMain() // from the cache: nothing rewritten
	for _, f := range files {
		if st, _ := os.Stat(f); !st.ModTime().Equal(old) {
			t.Errorf("%s rewritten although its cache was used", f)
		}
	}
	os.WriteFile(files[0], []byte("corrupt"), 0o644)
	importMain() // rejected: compiled in full, and the file replaced
	if b, _ := os.ReadFile(files[0]); len(b) < 64 {
		t.Errorf("corrupt cache not replaced (%d bytes)", len(b))
	}
}

// A module that never finishes is stopped by the Import's context, in its
// body or while its top-level await waits; the runtime stays usable.
func TestModuleImportStopsWithContext(t *testing.T) {
	fsys := fstest.MapFS{
		"spin.js":  {Data: []byte("while (true) {}")},
		"await.js": {Data: []byte("await new Promise(r => setTimeout(r, 60000)); export const never = 1;")},
	}
	rt, err := NewRuntime(WithModules(fsys))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, name := range []string{"spin.js", "await.js"} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err := rt.Import(ctx, name)
		cancel()
		if !errors.Is(err, ErrTerminated) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Errorf("Import(%s): %v after %v", name, err, time.Since(start))
		}
	}
	if v, err := rt.Eval(context.Background(), "2 + 2"); err != nil || v.Int() != 4 {
		t.Errorf("after stops: %v %v", v, err)
	}
}
