/* ES modules from C: a loader over an in-memory table, a graph with a
 * cycle and a re-export, JSON and host modules, dynamic import from a
 * timer, import.meta, and the errors of each. */
#define _GNU_SOURCE
#define T_RESOURCE "module.js"
#include "helpers.h"

struct file {
    const char *name, *source;
};

static const struct file files[] = {
    {"mem:/main.js",
     "import a, { b } from './a.js';\n"
     "import { c } from './re.js';\n"
     "import data from './d.json' with { type: 'json' };\n"
     "import { add } from 'host:math';\n"
     "export const out = add(a + b + c, data.n);\n"
     "export const url = import.meta.url;\n"
     "export let later;\n"
     "setTimeout(async () => { later = (await import('./lazy.js')).v }, 1);\n"
     "await null;\n"},
    {"mem:/a.js", "import { b } from './b.js'; export default 1; export { b };"},
    {"mem:/b.js", "import a from './a.js'; export const b = 2; export const useA = () => a;"},
    {"mem:/re.js", "export { b as c } from './b.js';"},
    {"mem:/d.json", "{\"n\": 10}"},
    {"mem:/lazy.js", "export const v = 'lazy';"},
    {"mem:/broken.js", "import { x } from './missing.js';"},
    {"mem:/syntax.js", "export const = 1;"},
};

static int loads;
/* A code cache the loader hands out with mem:/lib.js when set. */
static uint8_t *lib_cache;
static size_t lib_cache_len;

static v8r_status mem_loader(void *data, const char *specifier, const char *referrer, uint32_t flags,
                             v8r_module_source *out) {
    (void)data;
    (void)referrer;
    const char *base = specifier;
    while (*base == '.' || *base == '/') base++;
    char name[256];
    snprintf(name, sizeof name, "mem:/%s", base);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        if (strcmp(files[i].name, name) == 0) {
            out->name = strdup(name);
            if (flags & V8R_RESOLVE_ONLY) return V8R_STATUS_OK;
            loads++;
            out->source = strdup(files[i].source);
            out->len = strlen(files[i].source);
            if (lib_cache && strcmp(name, "mem:/lazy.js") == 0) {
                out->cache = malloc(lib_cache_len);
                memcpy(out->cache, lib_cache, lib_cache_len);
                out->cache_len = lib_cache_len;
            }
            out->kind = strstr(name, ".json") ? V8R_MODULE_JSON : V8R_MODULE_JAVASCRIPT;
            return V8R_STATUS_OK;
        }
    }
    char msg[300];
    snprintf(msg, sizeof msg, "no such file: %s", name);
    out->source = strdup(msg);
    out->len = strlen(msg);
    return V8R_STATUS_EXCEPTION;
}

static int finalized;
static void count_finalize(void *data) {
    (void)data;
    finalized++;
}

static v8r_status host_add2(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data;
    *result = v8r_value_number(argc == 2 ? args[0].number + args[1].number : -1);
    return V8R_STATUS_OK;
}

static void test_module_graph(void) {
    v8r_runtime *rt = t_runtime(0);
    finalized = loads = 0;
    CHECK(v8r_runtime_set_module_loader(rt, mem_loader, NULL, count_finalize, NULL) == V8R_STATUS_OK);
    v8r_object *add = NULL;
    CHECK(v8r_runtime_new_function(rt, "add", 0, host_add2, NULL, NULL, &add, NULL) == V8R_STATUS_OK);
    const char *names[] = {"add"};
    v8r_value values[] = {v8r_value_object(add)};
    CHECK(v8r_runtime_define_module(rt, "host:math", names, values, 1, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_define_module(rt, "host:math", names, values, 1, NULL) == V8R_STATUS_EXISTS);
    v8r_value_release(&values[0]);
    v8r_object_free(add);

    v8r_object *ns = NULL;
    v8r_error *err = NULL;
    CHECK(v8r_runtime_import(rt, "./main.js", NULL, 0, &ns, &err) == V8R_STATUS_OK && ns);
    if (err) printf("(%s) ", err->message);
    v8r_error_free(err);
    v8r_value v;
    CHECK(v8r_object_get(ns, "out", 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_NUMBER && v.number == 15);
    CHECK(v8r_object_get(ns, "url", 0, &v, NULL) == V8R_STATUS_OK && v.data && strcmp(v.data, "mem:/main.js") == 0);
    v8r_value_release(&v);
    CHECK(loads == 5); /* each module once, the cycle included */
    CHECK(t_run(rt) == V8R_STATUS_OK);
    CHECK(v8r_object_get(ns, "later", 0, &v, NULL) == V8R_STATUS_OK && v.data && strcmp(v.data, "lazy") == 0);
    v8r_value_release(&v);
    v8r_object_free(ns);
    /* a module from source, importing through the loader */
    const char *src = "import { b } from './b.js'; export default b * 10;";
    CHECK(v8r_runtime_eval_module(rt, (const uint8_t *)src, strlen(src), "mem:/inline.js", 0, &ns, NULL) ==
          V8R_STATUS_OK);
    CHECK(v8r_object_get(ns, "default", 0, &v, NULL) == V8R_STATUS_OK && v.number == 20);
    v8r_object_free(ns);
    CHECK(loads == 6);
    /* errors name what failed and where */
    err = NULL;
    CHECK(v8r_runtime_import(rt, "./broken.js", NULL, 0, &ns, &err) == V8R_STATUS_EXCEPTION && !ns);
    CHECK(err && strstr(err->message, "./missing.js") && strstr(err->message, "mem:/broken.js:1:19") &&
          strstr(err->message, "no such file"));
    v8r_error_free(err);
    err = NULL;
    CHECK(v8r_runtime_import(rt, "./syntax.js", NULL, 0, &ns, &err) == V8R_STATUS_SYNTAX_ERROR);
    CHECK(err && err->resource_name && strcmp(err->resource_name, "mem:/syntax.js") == 0);
    v8r_error_free(err);
    CHECK(v8r_runtime_import(rt, NULL, NULL, 0, &ns, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_runtime_set_module_loader(rt, NULL, NULL, NULL, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(finalized == 0);
    v8r_runtime_free(rt);
    CHECK(finalized == 1);
}

static void test_module_code_cache(void) {
    v8r_runtime *a = t_runtime(0);
    CHECK(v8r_runtime_set_module_loader(a, mem_loader, NULL, NULL, NULL) == V8R_STATUS_OK);
    v8r_object *ns = NULL;
    CHECK(v8r_runtime_import(a, "./lazy.js", NULL, 0, &ns, NULL) == V8R_STATUS_OK);
    v8r_object_free(ns);
    bool from_cache = true;
    CHECK(v8r_runtime_module_code_cache(a, "mem:/lazy.js", &lib_cache, &lib_cache_len, &from_cache, NULL) ==
          V8R_STATUS_OK);
    CHECK(lib_cache && lib_cache_len > 16 && !from_cache);
    uint8_t *none = NULL;
    size_t n = 0;
    CHECK(v8r_runtime_module_code_cache(a, "mem:/never.js", &none, &n, NULL, NULL) == V8R_STATUS_BAD_INPUT && !none);
    v8r_runtime_free(a);
    /* another runtime compiles from it */
    v8r_runtime *b = t_runtime(0);
    CHECK(v8r_runtime_set_module_loader(b, mem_loader, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_import(b, "./lazy.js", NULL, 0, &ns, NULL) == V8R_STATUS_OK);
    v8r_value v;
    CHECK(v8r_object_get(ns, "v", 0, &v, NULL) == V8R_STATUS_OK && v.data && strcmp(v.data, "lazy") == 0);
    v8r_value_release(&v);
    v8r_object_free(ns);
    uint8_t *again = NULL;
    CHECK(v8r_runtime_module_code_cache(b, "mem:/lazy.js", &again, &n, &from_cache, NULL) == V8R_STATUS_OK &&
          from_cache);
    free(again);
    v8r_runtime_free(b);
    /* corrupt data: rejected, compiled in full */
    memset(lib_cache, 0x5a, lib_cache_len);
    v8r_runtime *c = t_runtime(0);
    CHECK(v8r_runtime_set_module_loader(c, mem_loader, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_import(c, "./lazy.js", NULL, 0, &ns, NULL) == V8R_STATUS_OK);
    v8r_object_free(ns);
    CHECK(v8r_runtime_module_code_cache(c, "mem:/lazy.js", &again, &n, &from_cache, NULL) == V8R_STATUS_OK &&
          !from_cache);
    free(again);
    v8r_runtime_free(c);
    free(lib_cache);
    lib_cache = NULL;
}

void run_module_tests(void) {
    RUN(test_module_graph);
    RUN(test_module_code_cache);
}
