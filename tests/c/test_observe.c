/* Observability: heap statistics (a runtime's, the one-shot pool's) and
 * heap snapshots streamed to a writer. */
#define _GNU_SOURCE
#include "helpers.h"
#include <pthread.h>
#include <stdint.h>

typedef struct {
    size_t bytes, chunks, stop_after;
    char head[16];
} sink;

static bool collect(void *data, const uint8_t *chunk, size_t len) {
    sink *s = data;
    if (s->bytes == 0) memcpy(s->head, chunk, len < 15 ? len : 15);
    s->bytes += len;
    s->chunks++;
    return s->stop_after == 0 || s->chunks < s->stop_after;
}

static void test_heap_stats(void) {
    v8r_runtime *rt = t_runtime(0);
    v8r_heap_stats before, after;
    CHECK(v8r_runtime_heap_stats(rt, &before, NULL) == V8R_STATUS_OK);
    CHECK(before.used > 0 && before.used <= before.total && before.total <= before.limit);
    CHECK(before.native_contexts == 1 && before.detached_contexts == 0);
    CHECK(t_eval(rt, "globalThis.a = Array.from({ length: 200000 }, (_, i) => 'x' + i); globalThis.b = new Uint8Array(4 << 20); 0",
                 NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_heap_stats(rt, &after, NULL) == V8R_STATUS_OK);
    CHECK(after.used > before.used + (2 << 20));
    CHECK(after.array_buffers >= before.array_buffers + (4 << 20));
    v8r_error *err = NULL;
    CHECK(v8r_runtime_heap_stats(rt, NULL, &err) == V8R_STATUS_BAD_INPUT);
    v8r_error_free(err);
    CHECK(v8r_runtime_heap_stats(NULL, &after, NULL) != V8R_STATUS_OK);
    v8r_runtime_free(rt);
    CHECK(v8r_runtime_heap_stats(rt, &after, NULL) == V8R_STATUS_CLOSED);

    free(runv8("1"));
    v8r_heap_stats pool;
    size_t counted = 0;
    v8r_runv8_pool_heap_stats(&pool, &counted);
    CHECK(counted >= 1 && pool.used > 0 && pool.native_contexts >= counted);
    v8r_runv8_pool_heap_stats(NULL, NULL);
}

static void test_heap_snapshot(void) {
    v8r_runtime *rt = t_runtime(0);
    CHECK(t_eval(rt, "globalThis.big = new Array(1300000).fill(1.5); 0", NULL) == V8R_STATUS_OK);
    sink s = {0};
    CHECK(v8r_runtime_heap_snapshot(rt, collect, &s, NULL) == V8R_STATUS_OK);
    /* streamed: many chunks, the JSON of DevTools' format, big's 10 MB in it */
    CHECK(s.chunks > 10 && s.bytes > 100000);
    CHECK(strncmp(s.head, "{\"snapshot\":", 12) == 0);
    sink stop = {.stop_after = 3};
    v8r_error *err = NULL;
    CHECK(v8r_runtime_heap_snapshot(rt, collect, &stop, &err) == V8R_STATUS_EXCEPTION && stop.chunks == 3);
    CHECK(err && strstr(err->message, "stopped"));
    v8r_error_free(err);
    CHECK(v8r_runtime_heap_snapshot(rt, NULL, NULL, NULL) == V8R_STATUS_BAD_INPUT);
    v8r_runtime_free(rt);
}

typedef struct {
    char *data;
    size_t len;
} text;

static bool append(void *data, const uint8_t *chunk, size_t len) {
    text *t = data;
    t->data = realloc(t->data, t->len + len + 1);
    memcpy(t->data + t->len, chunk, len);
    t->len += len;
    t->data[t->len] = 0;
    return true;
}

static void test_cpu_profile_and_inspector(void) {
    v8r_runtime *rt = t_runtime(0);
    CHECK(v8r_runtime_cpu_profile_start(rt, 200, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_cpu_profile_start(rt, 200, NULL) == V8R_STATUS_BUSY);
    CHECK(t_eval(rt, "function hotSpin(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 3; return s } hotSpin(2e7)", NULL) ==
          V8R_STATUS_OK);
    text profile = {0};
    CHECK(v8r_runtime_cpu_profile_stop(rt, append, &profile, NULL) == V8R_STATUS_OK);
    CHECK(profile.data && profile.data[0] == '{' && strstr(profile.data, "\"nodes\":") && strstr(profile.data, "\"hotSpin\""));
    free(profile.data);
    CHECK(v8r_runtime_cpu_profile_stop(rt, append, &profile, NULL) == V8R_STATUS_BAD_INPUT);
    /* the inspector: loopback only unless asked, a WebSocket URL back */
    char *url = NULL;
    v8r_error *err = NULL;
    CHECK(v8r_runtime_inspect(rt, "0.0.0.0:0", 0, &url, &err) == V8R_STATUS_BAD_INPUT && url == NULL);
    CHECK(err && strstr(err->message, "not a loopback address"));
    v8r_error_free(err);
    CHECK(v8r_runtime_inspect(rt, "127.0.0.1:0", 0, &url, NULL) == V8R_STATUS_OK && url);
    CHECK(url && strncmp(url, "ws://127.0.0.1:", 15) == 0);
    free(url);
    CHECK(v8r_runtime_inspect(rt, NULL, 0, NULL, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_runtime_inspect(rt, "127.0.0.1:0", 64, NULL, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(t_true(rt, "1 + 1 === 2"));
    v8r_runtime_free(rt);
}

static void *start_profile(void *rt) {
    return (void *)(intptr_t)v8r_runtime_cpu_profile_start(rt, 200, NULL);
}

/* V8's sampler follows only the thread that started the profile: the
 * script here runs on another, and must still be the profile's top. */
static void test_cpu_profile_on_another_thread(void) {
    v8r_runtime *rt = t_runtime(V8R_RUNTIME_ANY_THREAD);
    pthread_t starter;
    void *status = NULL;
    CHECK(pthread_create(&starter, NULL, start_profile, rt) == 0);
    CHECK(pthread_join(starter, &status) == 0 && (intptr_t)status == V8R_STATUS_OK);
    CHECK(t_eval(rt, "function hotSpin(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 3; return s } hotSpin(3e7)", NULL) ==
          V8R_STATUS_OK);
    text profile = {0};
    CHECK(v8r_runtime_cpu_profile_stop(rt, append, &profile, NULL) == V8R_STATUS_OK);
    const char *hot = profile.data ? strstr(profile.data, "\"functionName\":\"hotSpin\"") : NULL;
    const char *hits = hot ? strstr(hot, "\"hitCount\":") : NULL;
    const char *samples = profile.data ? strstr(profile.data, "\"samples\":[") : NULL;
    size_t n = 0;
    for (const char *c = samples; c && *c && *c != ']'; c++) n += *c == ',';
    CHECK(hits && atoi(hits + strlen("\"hitCount\":")) > 20);
    CHECK(n > 20);
    free(profile.data);
    /* freed while profiling, with a sample asked for: nothing leaks or
     * lingers (LeakSanitizer in test-asan) */
    CHECK(v8r_runtime_cpu_profile_start(rt, 100, NULL) == V8R_STATUS_OK);
    CHECK(t_eval(rt, "hotSpin(1e6)", NULL) == V8R_STATUS_OK);
    v8r_runtime_free(rt);
}

void run_observe_tests(void) {
    RUN(test_heap_stats);
    RUN(test_heap_snapshot);
    RUN(test_cpu_profile_and_inspector);
    RUN(test_cpu_profile_on_another_thread);
}
