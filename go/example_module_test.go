package v8runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	v8runner "github.com/v8runner/v8runner/go"
)

var exampleFS = fstest.MapFS{
	"app.js":                  {Data: []byte("import { twice } from './lib/math.js'; export const answer = twice(21);")},
	"lib/math.js":             {Data: []byte("export const twice = (x) => x * 2;")},
	"vendor/strings/index.js": {Data: []byte("export const shout = (s) => s.toUpperCase();")},
}

func ExampleWithModules() {
	rt, _ := v8runner.NewRuntime(v8runner.WithModules(exampleFS)) // embed.FS works the same
	defer rt.Close()
	app, _ := rt.Import(context.Background(), "app.js")
	defer app.Release()
	v, _ := app.Get("answer")
	fmt.Println(v)
	// Output: 42
}

func ExampleWithImportMap() {
	rt, _ := v8runner.NewRuntime(v8runner.WithModules(exampleFS),
		v8runner.WithImportMap(map[string]string{"strings": "vendor/strings/index.js"}))
	defer rt.Close()
	m, _ := rt.EvalModule(context.Background(), "import { shout } from 'strings'; export default shout('hi')", "/main.js")
	defer m.Release()
	v, _ := m.Get("default")
	fmt.Println(v)
	// Output: HI
}

func ExampleRuntime_Import() {
	rt, _ := v8runner.NewRuntime(v8runner.WithModules(exampleFS))
	defer rt.Close()
	ns, err := rt.Import(context.Background(), "lib/math.js")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Release()
	v, _ := ns.Call(context.Background(), "twice", 5)
	fmt.Println(v)
	_, err = rt.Import(context.Background(), "missing.js")
	fmt.Println(strings.Contains(err.Error(), "file does not exist"))
	// Output:
	// 10
	// true
}

func ExampleRuntime_EvalModule() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	m, _ := rt.EvalModule(context.Background(), "export const url = import.meta.url; await null; export const done = true", "/inline.js")
	defer m.Release()
	url, _ := m.Get("url")
	done, _ := m.Get("done")
	fmt.Println(url, done)
	// Output: file:///inline.js true
}

func ExampleRuntime_Module() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	kv := map[string]string{"lang": "go"}
	rt.Module("host:kv", map[string]any{
		"get":     func(args ...v8runner.Value) (any, error) { return kv[args[0].String()], nil },
		"version": 1,
	})
	m, _ := rt.EvalModule(context.Background(), "import { get, version } from 'host:kv'; export default get('lang') + version", "/main.js")
	defer m.Release()
	v, _ := m.Get("default")
	fmt.Println(v)
	// Output: go1
}

func ExampleRuntime_CodeCache() {
	lib := "function greet(n) { return 'hi ' + n } greet('cache')"
	first, _ := v8runner.NewRuntime()
	cache, _ := first.CodeCache(lib, "lib.js") // save it, e.g. to a file
	first.Close()

	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	v, rejected, _ := rt.EvalCached(context.Background(), lib, "lib.js", cache)
	fmt.Println(v, rejected)
	// Output: hi cache false
}

func ExampleRuntime_EvalCached() {
	rt, _ := v8runner.NewRuntime()
	defer rt.Close()
	// Data V8 cannot use is rejected; the script still runs.
	v, rejected, _ := rt.EvalCached(context.Background(), "6 * 7", "x.js", []byte("stale cache from another build"))
	fmt.Println(v, rejected)
	// Output: 42 true
}

func ExampleWithModuleCache() {
	dir, _ := os.MkdirTemp("", "v8cache")
	defer os.RemoveAll(dir)
	for run := 0; run < 2; run++ { // the second runtime loads from the cache
		rt, _ := v8runner.NewRuntime(v8runner.WithModules(exampleFS), v8runner.WithModuleCache(dir))
		app, _ := rt.Import(context.Background(), "app.js")
		v, _ := app.Get("answer")
		fmt.Println(v)
		rt.Close()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.v8c"))
	fmt.Println(len(files), "cached modules")
	// Output:
	// 42
	// 42
	// 2 cached modules
}
