/* The one-shot calls: values and errors of runv8, runv8_len and
 * v8r_runv8, bad input, huge sources, many threads, and under pressure:
 * timeouts (per call and process-wide), stops by call id in every state,
 * a pool full of runaway scripts, calls really running in parallel. */
#define _GNU_SOURCE
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

static void check_runv8(const char *src, const char *want) {
    char *got = runv8(src);
    CHECK_STR(got, want);
    if (!got) fprintf(stderr, "  error: %s\n", v8r_last_error());
    free(got);
}

static void test_runv8_values(void) {
    check_runv8("1 + 1", "2");
    check_runv8("0.1 + 0.2", "0.30000000000000004");
    check_runv8("'Hello ' + 'World'", "Hello World");
    check_runv8("({a: 1})", "[object Object]");
    check_runv8("JSON.stringify({a: [1, 'x']})", "{\"a\":[1,\"x\"]}");
    check_runv8("[1, 2, 3]", "1,2,3");
    check_runv8("undefined", "undefined");
    check_runv8("null", "null");
    check_runv8("var x; x", "undefined");
    check_runv8("10n ** 30n", "1000000000000000000000000000000");
    check_runv8("Symbol('s')", "Symbol(s)");
    check_runv8("'héllo ☃'", "héllo ☃");
    check_runv8("new Intl.NumberFormat('de-DE').format(1234567.891)", "1.234.567,891");
    check_runv8("let p = Promise.resolve(1); let r; p.then(v => r = v); 'sync'", "sync");
}

static void test_runv8_errors(void) {
    CHECK(runv8("throw new Error('boom')") == NULL);
    CHECK_CONTAINS(v8r_last_error(), "boom");
    CHECK_CONTAINS(v8r_last_error(), "exception");
    CHECK_CONTAINS(v8r_last_error(), ":1:");

    CHECK(runv8("1 +\n+ ) 2") == NULL);
    CHECK_CONTAINS(v8r_last_error(), "SyntaxError");
    CHECK_CONTAINS(v8r_last_error(), ":2:");

    CHECK(runv8("({ toString() { throw new Error('no string') } })") == NULL);
    CHECK_CONTAINS(v8r_last_error(), "no string");

    CHECK(runv8(NULL) == NULL);
    CHECK_CONTAINS(v8r_last_error(), "NULL");
    CHECK(runv8("") == NULL);
    CHECK_CONTAINS(v8r_last_error(), "empty");

    /* a success clears the error */
    free(runv8("1"));
    CHECK(v8r_last_error() == NULL);
}

static void test_runv8_len_bad_input(void) {
    size_t n = 0;
    char *out = runv8_len((const uint8_t *)"'a' + 'b'XXX", 9, &n);
    CHECK_STR(out, "ab");
    CHECK(n == 2);
    free(out);

    /* a result with an embedded NUL keeps its full length */
    out = runv8_len((const uint8_t *)"'a\\0b'", 6, &n);
    CHECK(out != NULL && n == 3 && out[0] == 'a' && out[1] == 0 && out[2] == 'b');
    free(out);

    CHECK(runv8_len((const uint8_t *)"1+\0 1", 5, NULL) == NULL);
    CHECK_CONTAINS(v8r_last_error(), "NUL byte at offset 2");

    const uint8_t bad[] = {'"', 0xff, 0xfe, '"'};
    CHECK(runv8_len(bad, sizeof bad, NULL) == NULL);
    CHECK_CONTAINS(v8r_last_error(), "UTF-8");

    CHECK(runv8_len((const uint8_t *)"1", 0, NULL) == NULL);
    CHECK_CONTAINS(v8r_last_error(), "empty");
    CHECK(runv8_len(NULL, 5, NULL) == NULL);
    CHECK_CONTAINS(v8r_last_error(), "NULL");
    CHECK(runv8_len((const uint8_t *)"1", SIZE_MAX, NULL) == NULL);
    CHECK_CONTAINS(v8r_last_error(), "length");
}

static void test_runv8_huge_source(void) {
    /* 10 MB: one long string literal plus an expression. */
    size_t n = 10 * 1024 * 1024;
    char *src = malloc(n + 64);
    strcpy(src, "var s = '");
    size_t at = strlen(src);
    memset(src + at, 'x', n);
    strcpy(src + at + n, "'; s.length");
    check_runv8(src, "10485760");
    free(src);
}

static void test_runv8_rich(void) {
    char *out = NULL;
    size_t len = 0;
    v8r_error *err = NULL;
    CHECK(v8r_runv8((const uint8_t *)"2 ** 10", 7, &out, &len, &err) == V8R_STATUS_OK);
    CHECK_STR(out, "1024");
    CHECK(len == 4 && err == NULL);
    free(out);

    CHECK(v8r_runv8((const uint8_t *)"nope()", 6, &out, NULL, &err) == V8R_STATUS_EXCEPTION);
    CHECK(out == NULL);
    CHECK(err != NULL && err->kind == V8R_STATUS_EXCEPTION);
    if (err) {
        CHECK_CONTAINS(err->message, "ReferenceError: nope is not defined");
        CHECK(err->line == 1 && err->column == 1);
        CHECK_STR(err->resource_name, "runv8");
    }
    v8r_error_free(err);
    CHECK(v8r_runv8((const uint8_t *)"1", 1, NULL, NULL, NULL) == V8R_STATUS_BAD_INPUT);
}

/* 64 threads at once, each with its own script; globals never cross. */
#define NTHREADS 64
static void *runv8_thread(void *arg) {
    intptr_t i = (intptr_t)arg;
    char src[512], want[64];
    snprintf(src, sizeof src,
             "var leaked = Object.keys(globalThis).filter(k => k.startsWith('mark_'));"
             "globalThis.mark_%ld = %ld;"
             "leaked.length ? 'leak:' + leaked : String(%ld * 3)",
             (long)i, (long)i, (long)i);
    snprintf(want, sizeof want, "%ld", (long)(i * 3));
    int ok = 1;
    for (int round = 0; round < 5 && ok; round++) {
        char *got = runv8(src);
        ok = got != NULL && strcmp(got, want) == 0;
        if (!ok) fprintf(stderr, "  thread %ld got %s (%s)\n", (long)i, got ? got : "NULL", v8r_last_error());
        free(got);
    }
    return (void *)(intptr_t)ok;
}

static void test_runv8_threads(void) {
    pthread_t t[NTHREADS];
    for (intptr_t i = 0; i < NTHREADS; i++) CHECK(pthread_create(&t[i], NULL, runv8_thread, (void *)i) == 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *ok = NULL;
        pthread_join(t[i], &ok);
        CHECK(ok == (void *)1);
    }
}

#include <pthread.h>
#include <stdatomic.h>

static v8r_status runv8_limited(const char *src, uint64_t timeout_ms, uint64_t call_id, char **out, v8r_error **err) {
    v8r_runv8_options o = {timeout_ms, call_id};
    return v8r_runv8_with((const uint8_t *)src, strlen(src), &o, out, NULL, err);
}

static void test_runv8_timeout(void) {
    char *out = NULL;
    v8r_error *err = NULL;
    CHECK(runv8_limited("for (;;) {}", 100, 0, &out, &err) == V8R_STATUS_TIMEOUT);
    CHECK(out == NULL && err && strstr(err->message, "ran out of time (100 ms)"));
    v8r_error_free(err);
    CHECK(runv8_limited("6 * 7", 5000, 0, &out, NULL) == V8R_STATUS_OK);
    CHECK_STR(out, "42");
    free(out);
    /* the process default applies to the classic call */
    CHECK(v8r_runv8_set_timeout(100) == V8R_STATUS_OK);
    CHECK(runv8("while (true) {}") == NULL);
    CHECK_CONTAINS(v8r_last_error(), "timeout");
    CHECK(v8r_runv8_set_timeout(0) == V8R_STATUS_OK);
    out = runv8("'still fine'");
    CHECK_STR(out, "still fine");
    free(out);
}

struct runaway {
    uint64_t id;
    v8r_status status;
    atomic_int done;
};

static void *runaway_main(void *arg) {
    struct runaway *r = arg;
    char *out = NULL;
    r->status = runv8_limited("for (;;) {}", 0, r->id, &out, NULL);
    free(out);
    atomic_store(&r->done, 1);
    return NULL;
}

/* Runaway scripts on every pooled isolate: a caller with a timeout gets
 * TIMEOUT instead of waiting forever; each runaway stops by its own id. */
static void test_runv8_pool_of_runaways(void) {
    size_t cap = 0;
    v8r_runv8_pool_stats(NULL, &cap);
    CHECK(cap >= 1 && cap <= 64);
    struct runaway r[64];
    pthread_t th[64];
    for (size_t i = 0; i < cap; i++) {
        r[i].id = 9000 + i;
        atomic_store(&r[i].done, 0);
        pthread_create(&th[i], NULL, runaway_main, &r[i]);
    }
    t_sleep_ms(200);
    char *out = NULL;
    v8r_error *err = NULL;
    CHECK(runv8_limited("1", 150, 0, &out, &err) == V8R_STATUS_TIMEOUT);
    v8r_error_free(err);
    /* a stop for a call that waits for an isolate takes it out at once */
    struct runaway waiting = {9100, 0, 0};
    pthread_t wt;
    pthread_create(&wt, NULL, runaway_main, &waiting);
    t_sleep_ms(100);
    CHECK(v8r_runv8_terminate(9100) == V8R_STATUS_OK);
    pthread_join(wt, NULL);
    CHECK(waiting.status == V8R_STATUS_TERMINATED);
    for (size_t i = 0; i < cap; i++) {
        CHECK(!atomic_load(&r[i].done));
        CHECK(v8r_runv8_terminate(r[i].id) == V8R_STATUS_OK);
        pthread_join(th[i], NULL);
        CHECK(r[i].status == V8R_STATUS_TERMINATED);
    }
    /* a stop that came first stops the call when it arrives */
    CHECK(v8r_runv8_terminate(9200) == V8R_STATUS_OK);
    CHECK(runv8_limited("for (;;) {}", 0, 9200, &out, NULL) == V8R_STATUS_TERMINATED);
    CHECK(runv8_limited("'free again'", 0, 9201, &out, NULL) == V8R_STATUS_OK);
    CHECK_STR(out, "free again");
    free(out);
}

/* Two one-shot calls really run at once: their busy intervals overlap
 * (one isolate behind a global lock could not). */
struct span {
    double start, end;
};

static void *busy_span(void *arg) {
    struct span *s = arg;
    char *out = runv8("var t0 = Date.now(); while (Date.now() - t0 < 300) {} t0 + ',' + Date.now()");
    if (out) sscanf(out, "%lf,%lf", &s->start, &s->end);
    free(out);
    return NULL;
}

static void test_runv8_in_parallel(void) {
    size_t cap = 0;
    v8r_runv8_pool_stats(NULL, &cap);
    if (cap < 2) {
        fprintf(stderr, "(pool of 1: nothing to overlap) ");
        return;
    }
    struct span a = {0, 0}, b = {0, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, busy_span, &a);
    pthread_create(&tb, NULL, busy_span, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    double overlap = (a.end < b.end ? a.end : b.end) - (a.start > b.start ? a.start : b.start);
    fprintf(stderr, "(overlap %.0f ms) ", overlap);
    CHECK(a.end > 0 && b.end > 0);
    CHECK(overlap > 0);
}

void run_runv8_tests(void) {
    RUN(test_runv8_values);
    RUN(test_runv8_errors);
    RUN(test_runv8_len_bad_input);
    RUN(test_runv8_huge_source);
    RUN(test_runv8_rich);
    RUN(test_runv8_threads);
    RUN(test_runv8_timeout);
    RUN(test_runv8_pool_of_runaways);
    RUN(test_runv8_in_parallel);
}
