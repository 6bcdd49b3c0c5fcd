/* C-side benchmarks through the header: prints BENCH lines (medians of 5
 * rounds) for tests/bench/report.py. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "v8runner.h"

#define ROUNDS 5

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v) {
    qsort(v, ROUNDS, sizeof *v, cmp);
    return v[ROUNDS / 2];
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

static void runv8_loop(int n) {
    for (int i = 0; i < n; i++) {
        char *out = runv8("1+1");
        if (!out || strcmp(out, "2")) abort();
        free(out);
    }
}

static void *runv8_thread(void *arg) {
    runv8_loop((int)(long)arg);
    return NULL;
}

/* ---- async hooks: the loop's cost with hooks off, C hooks, JS hooks and an
 * AsyncLocalStorage in use (each in a fresh runtime, same workloads). */
static void noop_init(void *d, uint64_t id, uint32_t type, uint64_t trigger) {
    (void)d, (void)id, (void)type, (void)trigger;
}
static void noop_id(void *d, uint64_t id) { (void)d, (void)id; }

enum { HOOKS_OFF, HOOKS_C, HOOKS_C_NO_DESTROY, HOOKS_C_NO_PROMISE, HOOKS_JS, HOOKS_ALS, HOOK_VARIANTS };
static const char *hook_variants[] = {"off", "c", "c_nodestroy", "c_nopromise", "js", "als"};

/* ns per async hop of `workload` (n hops), median of ROUNDS. */
static double bench_hooks(int variant, const char *workload, int n) {
    double r[ROUNDS];
    for (int k = 0; k < ROUNDS; k++) {
        v8r_runtime *rt = NULL;
        v8r_runtime_new(NULL, &rt, NULL);
        if (variant == HOOKS_C || variant == HOOKS_C_NO_DESTROY || variant == HOOKS_C_NO_PROMISE) {
            uint32_t types = variant == HOOKS_C_NO_PROMISE ? 0xff & ~(uint32_t)V8R_ASYNC_TYPE_PROMISE : 0;
            /* Without a destroy hook, tracked promises need no watch for collection. */
            v8r_async_hooks h = {noop_init, noop_id, noop_id, variant == HOOKS_C_NO_DESTROY ? NULL : noop_id, noop_id,
                                 types, NULL, NULL};
            uint32_t set;
            v8r_async_hooks_add(rt, &h, &set, NULL);
            v8r_async_hooks_enable(rt, set, true, NULL);
        }
        const char *setup = variant == HOOKS_JS
            ? "asyncHooks.createHook({ init() {}, before() {}, after() {}, destroy() {}, promiseResolve() {} }).enable();"
            : "";
        v8r_runtime_eval(rt, (const uint8_t *)setup, strlen(setup), NULL, 0, NULL, NULL);
        char src[512];
        if (variant == HOOKS_ALS) /* the workload runs inside als.run() */
            snprintf(src, sizeof src, "new AsyncLocalStorage().run(1, () => (%s)(%d))", workload, n);
        else
            snprintf(src, sizeof src, "(%s)(%d)", workload, n);
        double t = now_ns();
        if (v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, NULL) != V8R_STATUS_OK) abort();
        if (v8r_runtime_run(rt, 0, 0, NULL, NULL) != V8R_STATUS_OK) abort();
        r[k] = (now_ns() - t) / n;
        v8r_runtime_free(rt);
    }
    return median(r);
}

static void bench_all_hooks(void) {
    /* Each hop: an immediate (a loop callback) / an awaited promise. */
    const char *timers = "function (n) { let i = 0; (function next() { if (++i < n) setImmediate(next) })() }";
    const char *promises = "async function (n) { for (let i = 0; i < n; i++) await null }";
    for (int v = 0; v < HOOK_VARIANTS; v++) {
        printf("BENCH hooks_timers.%s %.1f ns\n", hook_variants[v], bench_hooks(v, timers, 20000));
        printf("BENCH hooks_promises.%s %.1f ns\n", hook_variants[v], bench_hooks(v, promises, 100000));
    }
}

/* CPU spent by a loop waiting 300 ms for a timer (no polling). */
static double idle_cpu_ms(void) {
    v8r_runtime *rt = NULL;
    v8r_runtime_new(NULL, &rt, NULL);
    v8r_runtime_eval(rt, (const uint8_t *)"setTimeout(() => {}, 300)", 25, NULL, 0, NULL, NULL);
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    v8r_runtime_run(rt, 0, 0, NULL, NULL);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    v8r_runtime_free(rt);
    return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Wake-ups of a loop while 4 threads send 100,000 payloads each. */
enum { SENDERS = 4, PER_SENDER = 100000 };
static void count_payload(void *data, const v8r_value *payload) {
    (void)payload;
    ++*(long *)data;
}
static void *send_many(void *n) {
    for (long i = 0; i < PER_SENDER; i++) {
        v8r_value v = v8r_value_number((double)i);
        v8r_notifier_send(n, &v, -1);
    }
    return NULL;
}
static double fanin_wakeups(void) {
    v8r_runtime *rt = NULL;
    v8r_runtime_new(NULL, &rt, NULL);
    long delivered = 0;
    v8r_notifier *n = NULL;
    v8r_notifier_new(rt, NULL, count_payload, &delivered, NULL, 0, &n, NULL);
    pthread_t t[SENDERS];
    for (int i = 0; i < SENDERS; i++) pthread_create(&t[i], NULL, send_many, n);
    while (delivered < (long)SENDERS * PER_SENDER) v8r_runtime_run(rt, 1 /* ONCE */, 0, NULL, NULL);
    for (int i = 0; i < SENDERS; i++) pthread_join(t[i], NULL);
    double wakeups = (double)v8r_runtime_wakeups(rt);
    v8r_notifier_free(n);
    v8r_runtime_free(rt);
    return wakeups;
}

/* Notifier throughput into a JS callback: msgs/s with `senders` threads. */
struct sender {
    v8r_notifier *n;
    long count;
};
static void *send_count(void *arg) {
    struct sender *s = arg;
    for (long i = 0; i < s->count; i++) {
        v8r_value v = v8r_value_number(1);
        v8r_notifier_send(s->n, &v, -1);
    }
    return NULL;
}
static double notifier_throughput(int senders) {
    enum { TOTAL = 400000 };
    v8r_runtime *rt = NULL;
    v8r_runtime_new(NULL, &rt, NULL);
    const char *src = "var got = 0; function onMsg(x) { got += x }";
    v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, NULL);
    v8r_notifier *n = NULL;
    v8r_notifier_new(rt, "onMsg", NULL, NULL, NULL, 0, &n, NULL);
    struct sender s = {n, TOTAL / senders};
    pthread_t t[8];
    double t0 = now_ns();
    for (int i = 0; i < senders; i++) pthread_create(&t[i], NULL, send_count, &s);
    for (int i = 0; i < senders; i++) pthread_join(t[i], NULL);
    v8r_notifier_close(n); /* the loop ends once every payload is delivered */
    v8r_runtime_run(rt, 0, 0, NULL, NULL);
    double secs = (now_ns() - t0) / 1e9;
    v8r_value got;
    v8r_runtime_eval(rt, (const uint8_t *)"got", 3, NULL, 0, &got, NULL);
    if (got.number != (double)TOTAL) abort();
    v8r_notifier_free(n);
    v8r_runtime_free(rt);
    return TOTAL / secs;
}

/* Wake-up latency from an idle loop: a thread sends one payload (its send
 * time) every millisecond; the C callback records now - sent. */
enum { WAKES = 500 };
static double wake_lat[WAKES];
static int wake_n;
static void record_wake(void *data, const v8r_value *payload) {
    (void)data;
    if (wake_n < WAKES) wake_lat[wake_n++] = now_ns() - payload->number;
}
static void *send_spaced(void *n) {
    for (int i = 0; i < WAKES; i++) {
        struct timespec d = {0, 1000000};
        nanosleep(&d, NULL);
        v8r_value v = v8r_value_number(now_ns());
        v8r_notifier_send(n, &v, -1);
    }
    v8r_notifier_close(n);
    return NULL;
}
static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static void notifier_latency(void) {
    v8r_runtime *rt = NULL;
    v8r_runtime_new(NULL, &rt, NULL);
    v8r_notifier *n = NULL;
    wake_n = 0;
    v8r_notifier_new(rt, NULL, record_wake, NULL, NULL, 0, &n, NULL);
    pthread_t t;
    pthread_create(&t, NULL, send_spaced, n);
    v8r_runtime_run(rt, 0, 0, NULL, NULL);
    pthread_join(t, NULL);
    qsort(wake_lat, wake_n, sizeof *wake_lat, cmpd);
    printf("BENCH wake_p50.c %.1f us\n", wake_lat[wake_n / 2] / 1e3);
    printf("BENCH wake_p99.c %.1f us\n", wake_lat[wake_n * 99 / 100] / 1e3);
    v8r_notifier_free(n);
    v8r_runtime_free(rt);
}

/* Pool round trip queue -> work -> after, one at a time; and throughput
 * with 1,000 in flight. */
enum { TRIPS = 2000, INFLIGHT = 1000 };
static double trip_lat[TRIPS];
static int trips_done;
static double trip_start;
static v8r_runtime *pool_rt;
static void trivial_work(void *data) { (void)data; }
static void after_trip(v8r_work *req, v8r_status status, void *data);
static void queue_trip(void) {
    trip_start = now_ns();
    v8r_queue_work(pool_rt, trivial_work, after_trip, NULL, NULL, NULL);
}
static void after_trip(v8r_work *req, v8r_status status, void *data) {
    (void)req, (void)status, (void)data;
    trip_lat[trips_done++] = now_ns() - trip_start;
    if (trips_done < TRIPS) queue_trip();
}
static long flights_done;
static void after_flight(v8r_work *req, v8r_status status, void *data) {
    (void)req, (void)status, (void)data;
    flights_done++;
}
static void pool_round_trips(void) {
    v8r_runtime_new(NULL, &pool_rt, NULL);
    trips_done = 0;
    queue_trip();
    v8r_runtime_run(pool_rt, 0, 0, NULL, NULL);
    qsort(trip_lat, TRIPS, sizeof *trip_lat, cmpd);
    printf("BENCH pool_p50.c %.1f us\n", trip_lat[TRIPS / 2] / 1e3);
    printf("BENCH pool_p99.c %.1f us\n", trip_lat[TRIPS * 99 / 100] / 1e3);
    double r[ROUNDS];
    for (int k = 0; k < ROUNDS; k++) {
        flights_done = 0;
        double t0 = now_ns();
        for (int i = 0; i < INFLIGHT; i++) v8r_queue_work(pool_rt, trivial_work, after_flight, NULL, NULL, NULL);
        v8r_runtime_run(pool_rt, 0, 0, NULL, NULL);
        if (flights_done != INFLIGHT) abort();
        r[k] = INFLIGHT / ((now_ns() - t0) / 1e9);
    }
    printf("BENCH pool_tput.c %.0f ops/s\n", median(r));
    v8r_runtime_free(pool_rt);
}

/* Runtime create + free: from the built-in snapshot, or (with
 * V8RUNNER_NO_SNAPSHOT set) running the prelude from its code cache. */
static void bench_new(const char *label) {
    double r[ROUNDS];
    v8r_runtime *rt;
    for (int k = 0; k < ROUNDS; k++) {
        double t = now_ns();
        for (int i = 0; i < 200; i++) {
            v8r_runtime_new(NULL, &rt, NULL);
            v8r_runtime_free(rt);
        }
        r[k] = (now_ns() - t) / 200;
    }
    printf("BENCH %s %.1f us\n", label, median(r) / 1e3);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "new") == 0) {
        bench_new(getenv("V8RUNNER_NO_SNAPSHOT") ? "new_nosnapshot.c" : "new.c");
        return 0;
    }
    double r[ROUNDS];
    int n = 2000;
    runv8_loop(100);
    for (int k = 0; k < ROUNDS; k++) {
        double t = now_ns();
        runv8_loop(n);
        r[k] = (now_ns() - t) / n;
    }
    printf("BENCH oneshot.c %.1f us\n", median(r) / 1e3);

    for (int k = 0; k < ROUNDS; k++) {
        pthread_t t[2];
        double t0 = now_ns();
        for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, runv8_thread, (void *)(long)n);
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
        r[k] = 2.0 * n / ((now_ns() - t0) / 1e9);
    }
    printf("BENCH oneshot2.c %.1f ops/s\n", median(r));

    v8r_runtime *rt = NULL;
    v8r_runtime_new(NULL, &rt, NULL);
    int m = 200000;
    v8r_value v;
    for (int k = 0; k < ROUNDS; k++) {
        double t = now_ns();
        for (int i = 0; i < m; i++)
            if (v8r_runtime_eval(rt, (const uint8_t *)"1+1", 3, NULL, 0, &v, NULL) != V8R_STATUS_OK || v.number != 2) abort();
        r[k] = (now_ns() - t) / m;
    }
    printf("BENCH eval.c %.1f ns\n", median(r));
    for (int k = 0; k < ROUNDS; k++) {
        v8r_heap_stats hs;
        double t = now_ns();
        for (int i = 0; i < m; i++)
            if (v8r_runtime_heap_stats(rt, &hs, NULL) != V8R_STATUS_OK) abort();
        r[k] = (now_ns() - t) / m;
    }
    printf("BENCH heapstats.c %.1f ns\n", median(r));
    v8r_runtime_free(rt);

    bench_new(getenv("V8RUNNER_NO_SNAPSHOT") ? "new_nosnapshot.c" : "new.c");
    /* The same without the web APIs (whose globals are lazy), and what the
     * first use of one costs on top of a runtime's creation. */
    v8r_runtime_options bare;
    v8r_runtime_options_init(&bare);
    bare.flags = V8R_RUNTIME_NO_WEB_APIS;
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < ROUNDS; k++) {
            double t = now_ns();
            for (int i = 0; i < 200; i++) {
                v8r_runtime_new(pass == 0 ? &bare : NULL, &rt, NULL);
                if (pass == 1) v8r_runtime_eval(rt, (const uint8_t *)"typeof TextEncoder", 18, NULL, 0, NULL, NULL);
                v8r_runtime_free(rt);
            }
            r[k] = (now_ns() - t) / 200;
        }
        printf("BENCH %s %.1f us\n", pass == 0 ? "new_bare.c" : "new_webused.c", median(r) / 1e3);
    }

    /* RSS per idle runtime: 100 live runtimes that each ran one script. */
    enum { LIVE = 100 };
    v8r_runtime *live[LIVE];
    long before = rss_kib();
    for (int i = 0; i < LIVE; i++) {
        v8r_runtime_new(NULL, &live[i], NULL);
        v8r_runtime_eval(live[i], (const uint8_t *)"var x = 1", 9, NULL, 0, NULL, NULL);
    }
    long after = rss_kib();
    for (int i = 0; i < LIVE; i++) v8r_runtime_free(live[i]);
    printf("BENCH rss_per_runtime.c %.1f KiB\n", (double)(after - before) / LIVE);
    for (int k = 0; k < ROUNDS; k++) r[k] = idle_cpu_ms();
    printf("BENCH idle_cpu.c %.2f ms\n", median(r));
    for (int k = 0; k < ROUNDS; k++) r[k] = fanin_wakeups();
    printf("BENCH fanin_wakeups.c %.0f n\n", median(r));
    bench_all_hooks();
    for (int k = 0; k < ROUNDS; k++) r[k] = notifier_throughput(1);
    printf("BENCH notify1.c %.0f msgs/s\n", median(r));
    for (int k = 0; k < ROUNDS; k++) r[k] = notifier_throughput(4);
    printf("BENCH notify4.c %.0f msgs/s\n", median(r));
    notifier_latency();
    pool_round_trips();
    return 0;
}
