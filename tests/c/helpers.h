/* Helpers shared by the C tests: runtimes, evaluation, time. A test file
 * may #define T_RESOURCE (the script name its errors and stacks show)
 * before including this. */
#ifndef V8R_TEST_HELPERS_H
#define V8R_TEST_HELPERS_H

#include "check.h"
#include "v8runner.h"

#include <stdint.h>
#include <time.h>

#ifndef T_RESOURCE
#define T_RESOURCE "t.js"

#endif

/* The work pool's size in every test (main sets it before anything can
 * start the pool): the cancel tests fill each pool thread with a blocker. */
#define T_POOL_THREADS 2

static inline void t_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline double t_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmSize"); -1 if absent. */
static inline long t_proc_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%ld", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

/* A runtime with these V8R_RUNTIME_* flags (NULL on failure, recorded). */
static inline v8r_runtime *t_runtime(uint32_t flags) {
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.flags = flags;
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    return rt;
}

/* Evaluate src with call id `id`; print the error of a failure. */
static inline v8r_status t_eval_id(v8r_runtime *rt, const char *src, uint64_t id, v8r_value *out) {
    v8r_error *err = NULL;
    v8r_status st = v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), T_RESOURCE, id, out, &err);
    if (st != V8R_STATUS_OK && err && st != V8R_STATUS_TERMINATED && st != V8R_STATUS_CLOSED)
        fprintf(stderr, "  (eval: %s: %s) ", v8r_status_name(st), err->message);
    v8r_error_free(err);
    return st;
}

static inline v8r_status t_eval(v8r_runtime *rt, const char *src, v8r_value *out) {
    return t_eval_id(rt, src, 0, out);
}

/* Whether src evaluates to true. */
static inline int t_true(v8r_runtime *rt, const char *src) {
    v8r_value v;
    int ok = t_eval(rt, src, &v) == V8R_STATUS_OK && v.kind == V8R_KIND_BOOL && v.boolean;
    v8r_value_release(&v);
    if (!ok) fprintf(stderr, "  not true: %s\n", src);
    return ok;
}

/* src's value as text when it is a string (else ""), in buf. */
static inline const char *t_str(v8r_runtime *rt, const char *src, char *buf, size_t size) {
    v8r_value v;
    buf[0] = 0;
    if (t_eval(rt, src, &v) == V8R_STATUS_OK) {
        if (v.kind == V8R_KIND_STRING) snprintf(buf, size, "%.*s", (int)v.len, v.data);
        v8r_value_release(&v);
    }
    return buf;
}

/* Run the loop until nothing referenced is pending. */
static inline v8r_status t_run(v8r_runtime *rt) { return v8r_runtime_run(rt, 0, 0, NULL, NULL); }


#endif
