/* Instructions per call, for callgrind (tests/bench/callcount.sh runs it
 * with two iteration counts and subtracts: start-up cancels out).
 *   callcount call N   N pinned v8r_function_call of add(a, b)
 *   callcount callu N  the same calls unpinned (a lock per call; the owner
 *                      thread's V8 state stays in the isolate between them)
 *   callcount calla N  the same on an any-thread runtime (V8 sets the
 *                      thread's state up and frees it at every lock)
 *   callcount eval N   N v8r_runtime_eval("1+1") (unpinned)
 *   callcount immediate N  a chain of N setImmediate hops run by the loop
 *   callcount callback N   N JS->C calls of a host function inc(x), from one eval */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v8runner.h"

static v8r_status inc(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data;
    *result = v8r_value_number(argc > 0 ? args[0].number + 1 : 0);
    return V8R_STATUS_OK;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    long n = atol(argv[2]);
    v8r_runtime *rt = NULL;
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    if (strcmp(argv[1], "calla") == 0) opts.flags = V8R_RUNTIME_ANY_THREAD;
    if (v8r_runtime_new(&opts, &rt, NULL) != V8R_STATUS_OK) return 1;
    const char *src = "function add(a, b) { return a + b }";
    v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, NULL);
    v8r_value v;
    int pinned = strcmp(argv[1], "call") == 0;
    if (pinned || strcmp(argv[1], "callu") == 0 || strcmp(argv[1], "calla") == 0) {
        v8r_function *f = NULL;
        v8r_runtime_function(rt, "add", &f, NULL);
        if (pinned) v8r_runtime_pin(rt);
        for (long i = 0; i < n; i++) {
            v8r_value args[2] = {v8r_value_number((double)i), v8r_value_number(1)};
            if (v8r_function_call(f, args, 2, 0, &v, NULL) != V8R_STATUS_OK) return 1;
        }
        if (pinned) v8r_runtime_unpin(rt);
        v8r_function_free(f);
    } else if (strcmp(argv[1], "callback") == 0) {
        if (v8r_runtime_register(rt, "inc", inc, NULL, NULL, NULL) != V8R_STATUS_OK) return 1;
        char loop[128];
        snprintf(loop, sizeof loop, "let x = 0; for (let i = 0; i < %ld; i++) x = inc(x); x", n);
        if (v8r_runtime_eval(rt, (const uint8_t *)loop, strlen(loop), NULL, 0, &v, NULL) != V8R_STATUS_OK) return 1;
        if (v.number != (double)n) return 1;
    } else if (strcmp(argv[1], "immediate") == 0) {
        char chain[128];
        snprintf(chain, sizeof chain, "(function hop(n) { if (n > 0) setImmediate(hop, n - 1) })(%ld)", n);
        if (v8r_runtime_eval(rt, (const uint8_t *)chain, strlen(chain), NULL, 0, NULL, NULL) != V8R_STATUS_OK) return 1;
        if (v8r_runtime_run(rt, 0, 0, NULL, NULL) != V8R_STATUS_OK) return 1;
    } else {
        for (long i = 0; i < n; i++)
            if (v8r_runtime_eval(rt, (const uint8_t *)"1+1", 3, NULL, 0, &v, NULL) != V8R_STATUS_OK) return 1;
    }
    v8r_runtime_free(rt);
    return 0;
}
