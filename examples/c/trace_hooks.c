/* C async hooks tracing a short program: every init, before, after and
 * destroy, indented by callback depth. The init of a resource appears
 * between the before and after of the callback that created it (its
 * trigger), as in Node's async_hooks. */
#include <stdio.h>
#include <string.h>

#include "v8runner.h"

static int depth;

static void indent(void) { printf("%*s", depth * 2, ""); }

static void on_init(void *rt, uint64_t id, uint32_t type, uint64_t trigger) {
    uint64_t exec = 0;
    v8r_async_ids(rt, &exec, NULL);
    indent();
    printf("init %s %llu, trigger %llu, execution %llu\n", v8r_async_type_name(type), (unsigned long long)id,
           (unsigned long long)trigger, (unsigned long long)exec);
}
static void on_before(void *rt, uint64_t id) {
    (void)rt;
    indent();
    printf("before %llu\n", (unsigned long long)id);
    depth++;
}
static void on_after(void *rt, uint64_t id) {
    (void)rt;
    depth--;
    indent();
    printf("after %llu\n", (unsigned long long)id);
}
static void on_destroy(void *rt, uint64_t id) {
    (void)rt;
    indent();
    printf("destroy %llu\n", (unsigned long long)id);
}
static void on_resolve(void *rt, uint64_t id) {
    (void)rt;
    indent();
    printf("resolve %llu\n", (unsigned long long)id);
}

/* console.log goes to stdout, at the current depth. */
static void console_out(void *data, v8r_console_level level, const char *text, size_t len) {
    (void)data;
    (void)level;
    indent();
    printf("console.log: %.*s\n", (int)len, text);
}

int main(void) {
    v8r_runtime_options o;
    v8r_runtime_options_init(&o);
    o.console = console_out;
    v8r_runtime *rt = NULL;
    if (v8r_runtime_new(&o, &rt, NULL) != V8R_STATUS_OK) return 1;

    v8r_async_hooks hooks = {on_init, on_before, on_after, on_destroy, on_resolve,
                             V8R_ASYNC_TYPE_TIMEOUT | V8R_ASYNC_TYPE_IMMEDIATE | V8R_ASYNC_TYPE_PROMISE, rt, NULL};
    uint32_t set;
    v8r_async_hooks_add(rt, &hooks, &set, NULL);
    v8r_async_hooks_enable(rt, set, true, NULL);

    const char *js =
        "setTimeout(function outer() {\n"
        "  console.log('in outer');\n"
        "  setImmediate(() => console.log('in immediate'));\n"
        "  Promise.resolve().then(() => console.log('in then'));\n"
        "}, 1);\n";
    v8r_error *err = NULL;
    v8r_status st = v8r_runtime_eval(rt, (const uint8_t *)js, strlen(js), "trace.js", 0, NULL, &err);
    if (st == V8R_STATUS_OK) st = v8r_runtime_run(rt, 0, 0, NULL, &err);
    if (st != V8R_STATUS_OK) fprintf(stderr, "%s\n", err ? err->message : v8r_status_name(st));
    v8r_error_free(err);
    v8r_runtime_free(rt);
    return st == V8R_STATUS_OK ? 0 : 1;
}
