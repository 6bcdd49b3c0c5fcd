/* Event loop tests: timers, immediates, microtasks, run modes, console and
 * error sinks, re-entrancy, termination while waiting. */
#define _GNU_SOURCE
#define T_RESOURCE "loop.js"
#include "helpers.h"

#include <pthread.h>
#include <time.h>

#include <pthread.h>
#include <time.h>

/* ---- capture sinks ------------------------------------------------------ */

struct capture {
    char text[4096];
    int lines, errors;
    v8r_console_level last_level;
    char first_error[512];
    v8r_runtime *rt; /* for re-entrant calls from the sink */
    int reenter;     /* 1: eval from the console sink, 2: run from it */
    v8r_status reenter_status;
};

static void console_sink(void *data, v8r_console_level level, const char *text, size_t len) {
    struct capture *c = data;
    size_t used = strlen(c->text);
    if (used + len + 2 < sizeof c->text) {
        memcpy(c->text + used, text, len);
        c->text[used + len] = '\n';
        c->text[used + len + 1] = 0;
    }
    c->lines++;
    c->last_level = level;
    if (c->reenter == 1) {
        c->reenter = 0;
        v8r_value v;
        c->reenter_status = v8r_runtime_eval(c->rt, (const uint8_t *)"globalThis.inner = 40 + 2", 25, NULL, 0, &v, NULL);
    } else if (c->reenter == 2) {
        c->reenter = 0;
        c->reenter_status = v8r_runtime_run(c->rt, 0, 0, NULL, NULL);
    }
}

static void error_sink(void *data, const v8r_error *err) {
    struct capture *c = data;
    if (c->errors++ == 0) snprintf(c->first_error, sizeof c->first_error, "%s", err->message);
}

static v8r_runtime *new_loop_runtime(struct capture *c) {
    memset(c, 0, sizeof *c);
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.console = console_sink;
    opts.console_data = c;
    opts.on_error = error_sink;
    opts.on_error_data = c;
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    c->rt = rt;
    return rt;
}

static v8r_status ev(v8r_runtime *rt, const char *src) { return t_eval(rt, src, NULL); }

/* The JSON of a global, as a malloc'd string. */
static char *json_of(v8r_runtime *rt, const char *expr) {
    char src[256];
    snprintf(src, sizeof src, "JSON.stringify(%s)", expr);
    v8r_value v;
    if (v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, &v, NULL) != V8R_STATUS_OK) return NULL;
    char *s = v.data ? strdup(v.data) : NULL;
    v8r_value_release(&v);
    return s;
}

#define CHECK_JSON(rt, expr, want)          \
    do {                                    \
        char *j_ = json_of(rt, expr);       \
        CHECK_STR(j_, want);                \
        free(j_);                           \
    } while (0)

static double now_ms(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- tests -------------------------------------------------------------- */

static void test_timer_order(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    CHECK(ev(rt, "var log = [];"
                 "setTimeout(() => log.push('c30'), 30);"
                 "setTimeout(() => log.push('b10'), 10);"
                 "setTimeout(() => log.push('b10-second'), 10);"
                 "setTimeout((x, y) => log.push('a1:' + x + y), 1, 'p', 'q');"
                 "setImmediate(() => log.push('imm'));"
                 "Promise.resolve().then(() => log.push('micro'));"
                 "log.push('sync')") == V8R_STATUS_OK);
    CHECK_JSON(rt, "log", "[\"sync\",\"micro\"]");
    bool alive = true;
    CHECK(v8r_runtime_run(rt, 0, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK(!alive);
    CHECK_JSON(rt, "log.filter(x => x !== 'a1:pq')", "[\"sync\",\"micro\",\"imm\",\"b10\",\"b10-second\",\"c30\"]");
    CHECK_JSON(rt, "log.indexOf('a1:pq') > 1 && log.indexOf('a1:pq') < log.indexOf('b10')", "true");
    v8r_runtime_free(rt);
}

static void test_microtasks_after_each_callback(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    CHECK(ev(rt, "var log = [];"
                 "setTimeout(() => { log.push('t1'); Promise.resolve().then(() => log.push('m1'));"
                 "                   queueMicrotask(() => log.push('q1')) }, 5);"
                 "setTimeout(() => log.push('t2'), 5);"
                 "setImmediate(() => { log.push('i1'); queueMicrotask(() => log.push('q0')) });"
                 "setImmediate(() => log.push('i2'));") == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    CHECK_JSON(rt, "log", "[\"i1\",\"q0\",\"i2\",\"t1\",\"m1\",\"q1\",\"t2\"]");
    v8r_runtime_free(rt);
}

static void test_interval_clear_unref(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    CHECK(ev(rt, "var n = 0; var iv = setInterval(() => { if (++n === 3) clearInterval(iv) }, 2);"
                 "var cleared = setTimeout(() => { throw new Error('cleared timer ran') }, 1); clearTimeout(cleared);"
                 "var late = 0; setTimeout(() => late++, 100000).unref();"
                 "var byNumber = setTimeout(() => { throw new Error('cleared by number') }, 1);"
                 "clearTimeout(+byNumber);") == V8R_STATUS_OK);
    bool alive = true;
    double t0 = now_ms(CLOCK_MONOTONIC);
    CHECK(v8r_runtime_run(rt, 0, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK(now_ms(CLOCK_MONOTONIC) - t0 < 5000); /* the unref'd timer did not hold the loop */
    CHECK(!alive);
    CHECK_JSON(rt, "[n, late]", "[3,0]");
    CHECK(c.errors == 0);
    /* ref() brings a timer back into the loop's liveness */
    CHECK(ev(rt, "var t = setTimeout(() => late = 7, 5).unref(); var had = t.hasRef(); t.ref()") == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 0, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK_JSON(rt, "[late, had]", "[7,false]");
    v8r_runtime_free(rt);
}

static void test_run_modes(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    bool alive = false;
    CHECK(ev(rt, "var log = []; setImmediate(() => { log.push('a'); setImmediate(() => log.push('b')) })") == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 2 /* NOWAIT */, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK(alive);
    CHECK_JSON(rt, "log", "[\"a\"]");
    CHECK(v8r_runtime_run(rt, 2, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK(!alive);
    CHECK_JSON(rt, "log", "[\"a\",\"b\"]");

    /* ONCE waits for the timer, runs it, returns */
    CHECK(ev(rt, "setTimeout(() => log.push('t'), 30)") == V8R_STATUS_OK);
    double t0 = now_ms(CLOCK_MONOTONIC);
    CHECK(v8r_runtime_run(rt, 1 /* ONCE */, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK(now_ms(CLOCK_MONOTONIC) - t0 >= 25);
    CHECK(!alive);
    CHECK_JSON(rt, "log", "[\"a\",\"b\",\"t\"]");
    /* nothing pending: every mode returns at once, not alive */
    CHECK(v8r_runtime_run(rt, 0, 0, &alive, NULL) == V8R_STATUS_OK && !alive);
    v8r_error *err = NULL;
    CHECK(v8r_runtime_run(rt, 7, 0, &alive, &err) == V8R_STATUS_BAD_INPUT);
    v8r_error_free(err);
    v8r_runtime_free(rt);
}

static void test_idle_wait_costs_no_cpu(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    CHECK(ev(rt, "var done = false; setTimeout(() => done = true, 300)") == V8R_STATUS_OK);
    double wall = now_ms(CLOCK_MONOTONIC), cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    wall = now_ms(CLOCK_MONOTONIC) - wall;
    cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    fprintf(stderr, "(waited %.0f ms, %.1f ms CPU) ", wall, cpu);
    CHECK(wall >= 290);
    CHECK(cpu < 30); /* no polling: a busy loop would burn ~300 ms (figure: make bench) */
    CHECK_JSON(rt, "done", "true");
    v8r_runtime_free(rt);
}

static void test_errors_reported_and_loop_goes_on(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    CHECK(ev(rt, "var log = [];"
                 "setTimeout(function boom() { throw new Error('boom') }, 1);"
                 "setTimeout(() => log.push('after'), 3);"
                 "setTimeout(() => { Promise.reject(new Error('nope')) }, 5);"
                 "setTimeout(() => { const p = Promise.reject(new Error('handled')); p.catch(() => log.push('caught')) }, 6);"
                 "setTimeout(() => queueMicrotask(() => { throw new Error('in microtask') }), 7);") == V8R_STATUS_OK);
    v8r_error *err = NULL;
    bool alive = true;
    CHECK(v8r_runtime_run(rt, 0, 0, &alive, &err) == V8R_STATUS_EXCEPTION);
    CHECK(!alive);
    CHECK(err && strstr(err->message, "boom") && err->stack && strstr(err->stack, "at Timeout.boom (loop.js:1:")); /* this: the Timeout */
    v8r_error_free(err);
    CHECK(c.errors == 3);
    CHECK_CONTAINS(c.first_error, "Uncaught Error: boom");
    CHECK_JSON(rt, "log", "[\"after\",\"caught\"]");
    v8r_runtime_free(rt);

    rt = new_loop_runtime(&c);
    CHECK(ev(rt, "setTimeout(() => Promise.reject(new Error('nope')), 1)") == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "Uncaught (in promise) Error: nope"));
    v8r_error_free(err);
    v8r_runtime_free(rt);
}

static void test_console_sink_and_reentrancy(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    CHECK(ev(rt, "console.log('a', 1, {x: [1]}, null, undefined, 2n); console.error(new Error('e').message)") == V8R_STATUS_OK);
    CHECK_STR(c.text, "a 1 {\"x\":[1]} null undefined 2n\ne\n");
    CHECK(c.last_level == V8R_CONSOLE_LEVEL_ERROR);

    /* the sink calls back into the runtime that is calling it */
    c.reenter = 1;
    CHECK(ev(rt, "setTimeout(() => console.info('tick'), 1)") == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    CHECK(c.reenter_status == V8R_STATUS_OK);
    CHECK_JSON(rt, "inner", "42");
    /* but it may not run the loop from inside a callback */
    c.reenter = 2;
    CHECK(ev(rt, "console.log('x')") == V8R_STATUS_OK);
    CHECK(c.reenter_status == V8R_STATUS_WRONG_THREAD);
    v8r_runtime_free(rt);
}

static void *terminate_soon(void *arg) {
    struct timespec ts = {0, 60 * 1000000L};
    nanosleep(&ts, NULL);
    v8r_runtime_terminate(arg);
    return NULL;
}

static void test_terminate_running_loop(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    /* waiting on a long timer */
    CHECK(ev(rt, "var ticks = 0; setInterval(() => ticks++, 10)") == V8R_STATUS_OK);
    pthread_t th;
    pthread_create(&th, NULL, terminate_soon, rt);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_TERMINATED);
    pthread_join(th, NULL);
    CHECK_JSON(rt, "ticks > 2", "true");
    /* spinning inside a callback */
    CHECK(ev(rt, "setTimeout(() => { for (;;) {} }, 1)") == V8R_STATUS_OK);
    pthread_create(&th, NULL, terminate_soon, rt);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_TERMINATED);
    pthread_join(th, NULL);
    CHECK(ev(rt, "1") == V8R_STATUS_OK); /* usable afterwards */
    v8r_runtime_free(rt);
}

/* V8's own foreground tasks run in the loop: FinalizationRegistry
 * callbacks fire once their targets are collected (without the loop
 * pumping the platform they never would). */
static void test_finalization_registry(void) {
    struct capture c;
    v8r_runtime *rt = new_loop_runtime(&c);
    const char *src =
        "var cleaned = 0, rounds = 0;"
        "const reg = new FinalizationRegistry(() => { cleaned++ });"
        "(function () { for (let i = 0; i < 100; i++) reg.register({ i }, i) })();"
        "var keep = [];" /* garbage that lives a few rounds reaches the old generation: full GCs */
        "(function churn() {"
        "  let junk = []; for (let i = 0; i < 100000; i++) junk.push({ i });"
        "  keep.push(junk); if (keep.length > 4) keep.shift();"
        "  if (cleaned === 0 && ++rounds < 500) setTimeout(churn, 0);"
        "})();";
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    v8r_value v;
    const char *check = "cleaned > 0 && rounds < 500";
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)check, strlen(check), NULL, 0, &v, NULL) == V8R_STATUS_OK);
    CHECK(v.kind == V8R_KIND_BOOL && v.boolean);
    v8r_runtime_free(rt);
}

static void count_call(void *data, const v8r_value *payload) {
    (void)payload;
    if (data) ++*(long *)data;
}

/* A loop that is really idle (nothing due for 10 s, or only a notifier
 * that never sends) is woken by terminate: ONCE and DEFAULT both return
 * TERMINATED well before the loop's own 250 ms liveness re-check. */
static void *terminate_after_50ms(void *arg) {
    t_sleep_ms(50);
    CHECK(v8r_runtime_terminate(arg) == V8R_STATUS_OK);
    return NULL;
}

static void test_terminate_wakes_an_idle_loop(void) {
    v8r_runtime *rt = t_runtime(V8R_RUNTIME_ANY_THREAD);
    CHECK(t_eval(rt, "setTimeout(() => {}, 10000)", NULL) == V8R_STATUS_OK);
    for (uint32_t mode = 0; mode < 2; mode++) {
        pthread_t th;
        pthread_create(&th, NULL, terminate_after_50ms, rt);
        double t0 = t_now_ms();
        CHECK(v8r_runtime_run(rt, mode, 0, NULL, NULL) == V8R_STATUS_TERMINATED);
        double took = t_now_ms() - t0;
        pthread_join(th, NULL);
        CHECK(took < 200);
    }
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
    rt = t_runtime(V8R_RUNTIME_ANY_THREAD);
    v8r_notifier *n = NULL;
    CHECK(v8r_notifier_new(rt, NULL, count_call, NULL, NULL, 0, &n, NULL) == V8R_STATUS_OK);
    pthread_t th;
    pthread_create(&th, NULL, terminate_after_50ms, rt);
    double t0 = t_now_ms();
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_TERMINATED);
    CHECK(t_now_ms() - t0 < 200);
    pthread_join(th, NULL);
    v8r_notifier_free(n);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
}

/* The loop thread keeps its V8 state in the isolate between turns; calls
 * from another thread meanwhile must find their own state and leave the
 * loop's intact: handles, the microtask queue, deep recursion and the stack
 * limit on both threads, with nothing leaked (LeakSanitizer) once freed. */
struct caller {
    v8r_runtime *rt;
    int ok, range_errors;
};

static void *call_while_looping(void *arg) {
    struct caller *c = arg;
    for (int i = 0; i < 300; i++) {
        v8r_value v;
        char src[128];
        snprintf(src, sizeof src, "hops >= 0 && [%d, 1].reduce((a, b) => a + b) === %d", i, i + 1);
        if (t_eval(c->rt, src, &v) == V8R_STATUS_OK && v.kind == V8R_KIND_BOOL && v.boolean) c->ok++;
        const char *deep = "(function r() { r() })()";
        if (i % 50 == 0 &&
            v8r_runtime_eval(c->rt, (const uint8_t *)deep, strlen(deep), NULL, 0, NULL, NULL) == V8R_STATUS_EXCEPTION)
            c->range_errors++;
    }
    return NULL;
}

static void test_loop_state_kept_between_turns(void) {
    v8r_runtime *rt = t_runtime(V8R_RUNTIME_ANY_THREAD);
    CHECK(t_eval(rt,
                 "var hops = 0, seen = 0;"
                 "(function hop() { if (++hops < 20000) setImmediate(hop);"
                 "  Promise.resolve().then(() => seen++) })()",
                 NULL) == V8R_STATUS_OK);
    struct caller c = {rt, 0, 0};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, call_while_looping, &c) == 0);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    pthread_join(th, NULL);
    CHECK(c.ok == 300);
    CHECK(c.range_errors == 6);
    v8r_value v;
    CHECK(t_eval(rt, "hops === 20000 && seen === 20000", &v) == V8R_STATUS_OK && v.kind == V8R_KIND_BOOL && v.boolean);
    const char *deep = "(function r() { r() })()";
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)deep, strlen(deep), NULL, 0, NULL, NULL) == V8R_STATUS_EXCEPTION);
    /* The loop again, now with the other thread's state archived too. */
    CHECK(t_eval(rt, "setImmediate(() => hops++)", NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    CHECK(t_eval(rt, "hops", &v) == V8R_STATUS_OK && v.number == 20001);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
}

void run_event_loop_tests(void) {
    RUN(test_timer_order);
    RUN(test_microtasks_after_each_callback);
    RUN(test_interval_clear_unref);
    RUN(test_run_modes);
    RUN(test_idle_wait_costs_no_cpu);
    RUN(test_errors_reported_and_loop_goes_on);
    RUN(test_console_sink_and_reentrancy);
    RUN(test_terminate_running_loop);
    RUN(test_finalization_registry);
    RUN(test_terminate_wakes_an_idle_loop);
    RUN(test_loop_state_kept_between_turns);
}
