/* The one-shot calls under pressure: timeouts (per call and process-wide),
 * stops by call id in every state, a pool full of runaway scripts, and
 * calls really running in parallel. */
#define _GNU_SOURCE
#include "helpers.h"

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
    RUN(test_runv8_timeout);
    RUN(test_runv8_pool_of_runaways);
    RUN(test_runv8_in_parallel);
}
