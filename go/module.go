package v8runner

/*
#include <stdlib.h>
#include "trampoline.h"
*/
import "C"

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/cgo"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// ES modules from an fs.FS (embed.FS, os.DirFS, fstest.MapFS...).
//
// Canonical names are file URLs of paths inside the FS ("file:///lib/a.js"):
// they are import.meta.url, the cache key (each module loads once per
// runtime) and what relative specifiers resolve against. "./x" and "../x"
// resolve from the importing module, "/x" from the FS root, bare names
// ("lodash-es") through the import map; a top-level Import of a bare name
// that the map does not hold is a path from the root. Nothing resolves
// outside the FS.

// moduleScheme prefixes canonical module names.
const moduleScheme = "file://"

// WithModules makes fsys the source of the runtime's ES modules (static
// imports, re-exports and dynamic import() alike); see Runtime.Import.
// Files ending in .json are JSON modules (import them with
// `with { type: 'json' }`).
func WithModules(fsys fs.FS) Option { return func(o *options) { o.modules = fsys } }

// WithModuleCache keeps V8's code cache of each module loaded from the
// WithModules FS in dir (created if needed): a later runtime (or run)
// importing the same source loads it without compiling. Files are keyed by
// module name and source hash; stale or unusable data is replaced.
func WithModuleCache(dir string) Option { return func(o *options) { o.moduleCache = dir } }

// WithImportMap maps bare specifiers to paths in the WithModules FS, as
// an HTML import map's "imports" does: an exact key ("react": "vendor/react.js")
// or a prefix ending in "/" ("lodash/": "vendor/lodash/").
func WithImportMap(imports map[string]string) Option {
	return func(o *options) { o.imports = imports }
}

type moduleLoader struct {
	fsys     fs.FS
	imports  map[string]string
	prefixes []string // import map keys ending in "/", longest first
	cacheDir string   // WithModuleCache; "" for none
	mu       sync.Mutex
	toSave   map[string]string // module name → its cache file, loaded since the last save
}

func newModuleLoader(fsys fs.FS, imports map[string]string) *moduleLoader {
	l := &moduleLoader{fsys: fsys, imports: imports}
	for k := range imports {
		if strings.HasSuffix(k, "/") {
			l.prefixes = append(l.prefixes, k)
		}
	}
	sort.Slice(l.prefixes, func(i, j int) bool { return len(l.prefixes[i]) > len(l.prefixes[j]) })
	return l
}

// resolve gives the canonical name of specifier imported by referrer.
func (l *moduleLoader) resolve(specifier, referrer string) (string, error) {
	var p string
	switch {
	case strings.HasPrefix(specifier, "./") || strings.HasPrefix(specifier, "../"):
		base := "/"
		if strings.HasPrefix(referrer, moduleScheme) {
			base = path.Dir(strings.TrimPrefix(referrer, moduleScheme))
		}
		p = path.Join(base, specifier)
	case strings.HasPrefix(specifier, "/"):
		p = path.Clean(specifier)
	case strings.HasPrefix(specifier, moduleScheme):
		p = path.Clean("/" + strings.TrimPrefix(specifier, moduleScheme))
	default:
		mapped, ok := l.imports[specifier]
		if !ok {
			for _, k := range l.prefixes {
				if strings.HasPrefix(specifier, k) {
					mapped, ok = l.imports[k]+strings.TrimPrefix(specifier, k), true
					break
				}
			}
		}
		switch {
		case ok:
			p = path.Clean("/" + mapped)
		case referrer == "":
			p = path.Clean("/" + specifier)
		default:
			return "", fmt.Errorf("bare specifier %q is not in the import map", specifier)
		}
	}
	return moduleScheme + p, nil
}

// load reads a canonical name's file.
func (l *moduleLoader) load(name string) ([]byte, error) {
	b, err := fs.ReadFile(l.fsys, strings.TrimPrefix(name, moduleScheme+"/"))
	if err != nil {
		return nil, err
	}
	return b, nil
}

//export v8rGoModuleLoad
func v8rGoModuleLoad(h C.uintptr_t, specifier, referrer *C.char, flags C.uint32_t, out *C.v8r_module_source) (status C.v8r_status) {
	fail := func(msg string) C.v8r_status {
		out.source = C.CString(msg)
		out.len = C.size_t(len(msg))
		return C.V8R_STATUS_EXCEPTION
	}
	defer func() {
		if p := recover(); p != nil {
			status = fail(fmt.Sprintf("Go panic in the module loader: %v", p))
		}
	}()
	l := cgo.Handle(h).Value().(*moduleLoader)
	name, err := l.resolve(C.GoString(specifier), C.GoString(referrer))
	if err != nil {
		return fail(err.Error())
	}
	out.name = C.CString(name)
	if flags&C.V8R_RESOLVE_ONLY != 0 {
		return C.V8R_STATUS_OK
	}
	src, err := l.load(name)
	if err != nil {
		return fail(err.Error())
	}
	out.source = (*C.char)(C.CBytes(src))
	out.len = C.size_t(len(src))
	if strings.HasSuffix(name, ".json") {
		out.kind = C.V8R_MODULE_JSON
	} else if l.cacheDir != "" {
		file := l.cacheFile(name, src)
		if data, err := os.ReadFile(file); err == nil && len(data) > 0 {
			out.cache = (*C.uint8_t)(C.CBytes(data))
			out.cache_len = C.size_t(len(data))
		}
		l.mu.Lock()
		if l.toSave == nil {
			l.toSave = map[string]string{}
		}
		l.toSave[name] = file
		l.mu.Unlock()
	}
	return C.V8R_STATUS_OK
}

// cacheFile is where module name with source src keeps its code cache.
func (l *moduleLoader) cacheFile(name string, src []byte) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(src)
	return filepath.Join(l.cacheDir, hex.EncodeToString(h.Sum(nil))+".v8c")
}

// saveCaches writes the code cache of the modules loaded since the last
// save that did not come from an accepted cache (best effort: a cache
// that cannot be written only costs a compile later).
func (r *Runtime) saveCaches() {
	l := r.modLoader
	if l == nil || l.cacheDir == "" {
		return
	}
	l.mu.Lock()
	pending := l.toSave
	l.toSave = nil
	l.mu.Unlock()
	h, err := r.ptr()
	if err != nil || len(pending) == 0 {
		return
	}
	os.MkdirAll(l.cacheDir, 0o755)
	for name, file := range pending {
		cname := C.CString(name)
		var out *C.uint8_t
		var n C.size_t
		var fromCache C.bool
		status := C.v8r_runtime_module_code_cache(h, cname, &out, &n, &fromCache, nil)
		C.free(unsafe.Pointer(cname))
		if status != C.V8R_STATUS_OK {
			continue
		}
		data := C.GoBytes(unsafe.Pointer(out), C.int(n))
		C.free(unsafe.Pointer(out))
		if bool(fromCache) {
			continue
		}
		tmp := file + ".tmp"
		if os.WriteFile(tmp, data, 0o644) == nil {
			os.Rename(tmp, file)
		}
	}
	runtime.KeepAlive(r)
}

// setModules installs the FS loader (from NewRuntime).
func (r *Runtime) setModules(fsys fs.FS, imports map[string]string, cacheDir string) error {
	l := newModuleLoader(fsys, imports)
	l.cacheDir = cacheDir
	r.modLoader = l
	fh := cgo.NewHandle(l)
	err := r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_set_module_loader(h, C.v8r_module_loader(C.v8r_go_module_load),
			C.v8r_go_handle(C.uintptr_t(fh)), C.v8r_finalizer_fn(C.v8r_go_release), cerr)
	})
	if err != nil {
		fh.Delete()
	}
	return err
}

// Import runs the ES module name (a path in the WithModules FS, or a
// name the import map or Module defines) and the modules it imports,
// waits for its top-level await (running the event loop on this
// goroutine, as Await does), and returns its namespace object
// (ns.Get("default"), ns.Call(ctx, "main")...). Each module runs once per
// runtime: a second Import gives the same namespace, and a module that
// threw gives its error again. ctx stops what runs, as for Eval.
func (r *Runtime) Import(ctx context.Context, name string) (*Object, error) {
	cname, err := cString(name)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	return r.moduleCall(ctx, func(h *C.v8r_runtime, id C.uint64_t, out **C.v8r_object, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_import(h, cname, nil, id, out, cerr)
	})
}

// EvalModule is Import of source given here, as the module named name (its
// import.meta.url; relative imports resolve from it, e.g. "/main.js").
func (r *Runtime) EvalModule(ctx context.Context, source, name string) (*Object, error) {
	canonical := name
	if strings.HasPrefix(name, "/") {
		canonical = moduleScheme + path.Clean(name)
	}
	cname, err := cString(canonical)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cname))
	src := unsafe.StringData(source)
	obj, err := r.moduleCall(ctx, func(h *C.v8r_runtime, id C.uint64_t, out **C.v8r_object, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_eval_module(h, (*C.uint8_t)(unsafe.Pointer(src)), C.size_t(len(source)), cname, id, out, cerr)
	})
	runtime.KeepAlive(source)
	return obj, err
}

func (r *Runtime) moduleCall(ctx context.Context, c func(h *C.v8r_runtime, id C.uint64_t, out **C.v8r_object, cerr **C.v8r_error) C.v8r_status) (*Object, error) {
	var out *C.v8r_object
	err := r.callWithID(ctx, func(h *C.v8r_runtime, id C.uint64_t, cerr **C.v8r_error) C.v8r_status {
		return c(h, id, &out, cerr)
	})
	r.saveCaches() // also after an error: what compiled is still worth keeping
	if err != nil {
		return nil, err
	}
	return adoptObject(r, out), nil
}

// Module defines the module name (imported by exactly that specifier,
// e.g. "host:kv") with these exports: a func(args ...Value) (any, error)
// or func(*CallInfo) (any, error) becomes a JS function calling Go, an
// *Object is exported as itself, anything else is converted as Call's
// arguments are. Defining a name twice is ErrExists.
func (r *Runtime) Module(name string, exports map[string]any) error {
	keys := make([]string, 0, len(exports))
	for k := range exports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	names := make([]*C.char, len(keys))
	values := make([]C.v8r_value, len(keys))
	var made []*Object
	defer func() {
		for i := range keys {
			C.free(unsafe.Pointer(names[i]))
			freeCValue(&values[i])
		}
		for _, o := range made {
			o.Release()
		}
	}()
	for i, k := range keys {
		var err error
		if names[i], err = cString(k); err != nil {
			return err
		}
		v := exports[k]
		switch f := v.(type) {
		case func(args ...Value) (any, error):
			fo, err := r.NewFunction(k, func(c *CallInfo) (any, error) { return f(c.Args...) })
			if err != nil {
				return err
			}
			made, v = append(made, fo), fo
		case func(c *CallInfo) (any, error):
			fo, err := r.NewFunction(k, f)
			if err != nil {
				return err
			}
			made, v = append(made, fo), fo
		}
		cv, err := cValue(v) // an *Object is lent: the library takes its own reference
		if err != nil {
			return fmt.Errorf("module %s export %s: %w", name, k, err)
		}
		values[i] = cv
	}
	cname, err := cString(name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	var np **C.char
	var vp *C.v8r_value
	if len(keys) > 0 {
		np, vp = &names[0], &values[0]
	}
	err = r.call(func(h *C.v8r_runtime, cerr **C.v8r_error) C.v8r_status {
		return C.v8r_runtime_define_module(h, cname, np, vp, C.size_t(len(keys)), cerr)
	})
	runtime.KeepAlive(made)
	runtime.KeepAlive(exports)
	return err
}
