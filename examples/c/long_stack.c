/* Runs examples/js/long_stack.js (or argv[1]): a chain of timers, pool
 * work and a promise whose final error prints one long stack trace, built
 * by JS async hooks. The host provides checksum(text): an async host
 * function whose Promise is settled by work on the thread pool. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v8runner.h"

struct job {
    char *text;
    uint32_t hash;
    v8r_promise *promise;
};

static void hash_on_pool(void *data) { /* FNV-1a; no JS here */
    struct job *j = data;
    j->hash = 2166136261u;
    for (const char *p = j->text; *p; p++) j->hash = (j->hash ^ (uint8_t)*p) * 16777619u;
}

static void settle(v8r_work *req, v8r_status status, void *data) {
    (void)req;
    struct job *j = data;
    if (status == V8R_STATUS_OK) {
        v8r_value v = v8r_value_number(j->hash);
        v8r_promise_resolve(j->promise, &v);
    } else {
        v8r_promise_free(j->promise); /* rejects it */
    }
    free(j->text);
    free(j);
}

static void checksum(void *rt, const v8r_value *args, size_t argc, v8r_promise *promise) {
    struct job *j = calloc(1, sizeof *j);
    j->text = argc > 0 && args[0].kind == V8R_KIND_STRING ? strndup(args[0].data, args[0].len) : strdup("");
    j->promise = promise;
    if (v8r_queue_work(rt, hash_on_pool, settle, j, NULL, NULL) != V8R_STATUS_OK) settle(NULL, V8R_STATUS_CANCELED, j);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *s = malloc(*len + 1);
    if (s && fread(s, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return s;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "examples/js/long_stack.js";
    size_t len = 0;
    char *src = read_file(path, &len);
    if (!src) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    v8r_runtime *rt = NULL;
    v8r_error *err = NULL;
    if (v8r_runtime_new(NULL, &rt, &err) != V8R_STATUS_OK) return 1;
    v8r_runtime_register_async(rt, "checksum", checksum, rt, NULL, NULL);
    v8r_status st = v8r_runtime_eval(rt, (const uint8_t *)src, len, "long_stack.js", 0, NULL, &err);
    if (st == V8R_STATUS_OK) st = v8r_runtime_run(rt, 0, 0, NULL, &err);
    if (st != V8R_STATUS_OK) fprintf(stderr, "%s\n", err ? err->message : v8r_status_name(st));
    v8r_error_free(err);
    v8r_runtime_free(rt);
    free(src);
    return st == V8R_STATUS_OK ? 0 : 1;
}
