/* Runtimes: state across calls, typed values, error kinds and locations,
 * terminate and terminate_call, pinning, the heap and ArrayBuffer limits,
 * owner-thread and any-thread mode, small thread stacks, and many
 * runtimes created and freed with flat memory. */
#define _GNU_SOURCE
#define T_RESOURCE "test.js"
#include "helpers.h"

#include <pthread.h>
#include <stdint.h>

static v8r_status eval(v8r_runtime *rt, const char *src, v8r_value *out, v8r_error **err) {
    return v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), "test.js", 0, out, err);
}

static void test_runtime_state_and_values(void) {
    v8r_runtime *rt = NULL;
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.name = "state";
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    CHECK(rt != NULL);
    v8r_value v;
    CHECK(eval(rt, "var counter = 40; function inc() { return ++counter }", &v, NULL) == V8R_STATUS_OK);
    CHECK(v.kind == V8R_KIND_UNDEFINED);
    CHECK(eval(rt, "inc(); inc()", &v, NULL) == V8R_STATUS_OK);
    CHECK(v.kind == V8R_KIND_NUMBER && v.number == 42);

    CHECK(eval(rt, "null", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_NULL);
    CHECK(eval(rt, "counter > 1", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_BOOL && v.boolean);
    CHECK(eval(rt, "-(2n ** 70n)", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_BIGINT);
    CHECK_STR(v.data, "-1180591620717411303424");
    v8r_value_release(&v);
    CHECK(eval(rt, "'tab\\tsnow ☃'", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_STRING);
    CHECK_STR(v.data, "tab\tsnow ☃");
    CHECK(v.len == strlen("tab\tsnow ☃"));
    v8r_value_release(&v);
    CHECK(eval(rt, "({a: [1, {b: null}], s: 'x'})", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    CHECK_STR(v.data, "{\"a\":[1,{\"b\":null}],\"s\":\"x\"}");
    v8r_value_release(&v);
    CHECK(eval(rt, "new Uint8Array([1, 0, 255]).subarray(1)", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_BYTES);
    CHECK(v.len == 2 && (unsigned char)v.data[0] == 0 && (unsigned char)v.data[1] == 255);
    v8r_value_release(&v);
    CHECK(eval(rt, "new Date(86400000)", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_DATE && v.number == 86400000);
    CHECK(eval(rt, "inc", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_FUNCTION);
    CHECK_CONTAINS(v.data, "return ++counter");
    v8r_value_release(&v);
    v8r_value_release(&v); /* twice is harmless */
    v8r_value_release(NULL);

    /* microtasks run before eval returns */
    CHECK(eval(rt, "var late = 0; Promise.resolve(5).then(x => late = x); late", &v, NULL) == V8R_STATUS_OK);
    CHECK(v.number == 0);
    CHECK(eval(rt, "late", &v, NULL) == V8R_STATUS_OK && v.number == 5);

    /* a cycle cannot be JSON: it comes back live, and the script ran */
    CHECK(eval(rt, "var o = {}; o.self = o; o", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_OBJECT);
    v8r_value_release(&v);
    CHECK(eval(rt, "counter", &v, NULL) == V8R_STATUS_OK && v.number == 42);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
}

static void test_runtime_error_kinds(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    v8r_value v;
    v8r_error *err = NULL;

    CHECK(eval(rt, "let a = 1;\nlet b = ;", &v, &err) == V8R_STATUS_SYNTAX_ERROR);
    CHECK(err && err->kind == V8R_STATUS_SYNTAX_ERROR && err->line == 2 && err->column == 9);
    if (err) {
        CHECK_CONTAINS(err->message, "SyntaxError");
        CHECK_STR(err->resource_name, "test.js");
    }
    v8r_error_free(err);

    CHECK(eval(rt, "function f() {\n  throw new TypeError('bad ' + 1)\n}\nfunction g() { f() }\ng()", &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && err->kind == V8R_STATUS_EXCEPTION && err->line == 2 && err->column == 3);
    if (err) {
        CHECK_STR(err->message, "Uncaught TypeError: bad 1");
        CHECK_CONTAINS(err->stack, "at f (test.js:2:9)");
        CHECK_CONTAINS(err->stack, "at g (test.js:4:16)");
    }
    v8r_error_free(err);

    CHECK(eval(rt, "throw 'plain string'", &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "plain string") && err->stack == NULL);
    v8r_error_free(err);

    /* a rejection eval leaves unhandled is its error, as an uncaught one */
    CHECK(eval(rt, "Promise.reject(new RangeError('later')); 1", &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "Uncaught (in promise) RangeError: later"));
    CHECK(err && err->name && strcmp(err->name, "RangeError") == 0 && err->exception != NULL);
    v8r_error_free(err);
    /* one handled before the call ends is not */
    CHECK(eval(rt, "const p = Promise.reject(new Error('x')); Promise.resolve().then(() => p.catch(() => {})); 2",
               &v, NULL) == V8R_STATUS_OK);

    /* bad input */
    const uint8_t bad[] = {'1', 0xc3};
    CHECK(v8r_runtime_eval(rt, bad, 2, NULL, 0, &v, &err) == V8R_STATUS_BAD_INPUT);
    CHECK(err && strstr(err->message, "UTF-8"));
    v8r_error_free(err);
    CHECK(v8r_runtime_eval(rt, NULL, 3, NULL, 0, &v, &err) == V8R_STATUS_BAD_INPUT);
    v8r_error_free(err);
    CHECK(v8r_runtime_eval(NULL, (const uint8_t *)"1", 1, NULL, 0, &v, &err) == V8R_STATUS_BAD_INPUT);
    v8r_error_free(err);
    /* embedded NUL is legal JS source in the rich API */
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)"'a\0b'.length", 12, NULL, 0, &v, NULL) == V8R_STATUS_OK && v.number == 3);
    /* an empty script is undefined here */
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)"", 0, NULL, 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_UNDEFINED);

    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.flags = 0x80;
    v8r_runtime *bad_rt = (v8r_runtime *)1;
    CHECK(v8r_runtime_new(&opts, &bad_rt, &err) == V8R_STATUS_BAD_INPUT && bad_rt == NULL);
    CHECK(err && strstr(err->message, "flags"));
    v8r_error_free(err);
    CHECK(v8r_runtime_new(NULL, NULL, NULL) == V8R_STATUS_BAD_INPUT);

    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
    /* freed and made-up handles are refused, not dereferenced */
    CHECK(eval(rt, "1", &v, &err) == V8R_STATUS_CLOSED);
    CHECK(err && err->kind == V8R_STATUS_CLOSED);
    v8r_error_free(err);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_CLOSED);
    CHECK(v8r_runtime_free(NULL) == V8R_STATUS_OK);
    CHECK(eval((v8r_runtime *)(uintptr_t)0xdeadbeef0, "1", &v, NULL) == V8R_STATUS_CLOSED);
    CHECK(v8r_runtime_terminate((v8r_runtime *)(uintptr_t)0x1234) == V8R_STATUS_CLOSED);
    v8r_error_free(NULL);
    CHECK_STR(v8r_status_name(V8R_STATUS_HEAP_LIMIT), "heap limit");
    CHECK_STR(v8r_status_name(999), "unknown status");
}

struct terminator {
    v8r_runtime *rt;
    int delay_ms;
};

static void *terminate_later(void *arg) {
    struct terminator *t = arg;
    struct timespec ts = {0, t->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    CHECK(v8r_runtime_terminate(t->rt) == V8R_STATUS_OK);
    return NULL;
}

static void test_runtime_terminate(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_terminate(rt) == V8R_STATUS_OK); /* nothing runs: no-op */
    struct terminator t = {rt, 50};
    pthread_t th;
    pthread_create(&th, NULL, terminate_later, &t);
    v8r_value v;
    v8r_error *err = NULL;
    CHECK(eval(rt, "var spins = 0; while (true) { spins++ }", &v, &err) == V8R_STATUS_TERMINATED);
    CHECK(err && err->kind == V8R_STATUS_TERMINATED);
    v8r_error_free(err);
    pthread_join(th, NULL);
    /* still usable, state kept */
    CHECK(eval(rt, "spins > 0", &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_BOOL && v.boolean);
    /* An allocating loop that V8's loop unrolling once made unstoppable. */
    pthread_create(&th, NULL, terminate_later, &t);
    CHECK(eval(rt, "let s; while (true) { s = new Array(100).fill(1) }", &v, NULL) == V8R_STATUS_TERMINATED);
    pthread_join(th, NULL);
    v8r_runtime_free(rt);
}

struct call_canceller {
    v8r_runtime *rt;
    uint64_t call_id;
};

static void *cancel_call_later(void *arg) {
    struct call_canceller *c = arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK(v8r_runtime_terminate_call(c->rt, c->call_id + 1000) == V8R_STATUS_OK); /* another call: no effect on this one */
    CHECK(v8r_runtime_terminate_call(c->rt, c->call_id) == V8R_STATUS_OK);
    return NULL;
}

static void test_runtime_terminate_call(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    const char *spin = "while (true) {}";
    struct call_canceller c = {rt, 7};
    pthread_t th;
    pthread_create(&th, NULL, cancel_call_later, &c);
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)spin, strlen(spin), NULL, 7, NULL, NULL) == V8R_STATUS_TERMINATED);
    pthread_join(th, NULL);
    /* a call cancelled before it starts stops at once; others are untouched */
    CHECK(v8r_runtime_terminate_call(rt, 9) == V8R_STATUS_OK);
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)"1", 1, NULL, 8, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)spin, strlen(spin), NULL, 9, NULL, NULL) == V8R_STATUS_TERMINATED);
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)"2", 1, NULL, 9, NULL, NULL) == V8R_STATUS_OK);
    /* a late plain terminate does not leak into the next call */
    CHECK(v8r_runtime_terminate(rt) == V8R_STATUS_OK);
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)"3", 1, NULL, 0, NULL, NULL) == V8R_STATUS_OK);
    v8r_runtime_free(rt);
}

struct pinned_cancel {
    v8r_runtime *rt;
};

static void *cancel_pinned_call(void *arg) {
    struct pinned_cancel *c = arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK(v8r_runtime_terminate_call(c->rt, 77) == V8R_STATUS_OK);
    return NULL;
}

static void test_runtime_pin(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(eval(rt, "var n = 0; function add(a, b) { return a + b }", NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_pin(rt) == V8R_STATUS_OK);
    v8r_value v;
    for (int i = 0; i < 1000; i++) CHECK(eval(rt, "++n", &v, NULL) == V8R_STATUS_OK);
    CHECK(v.number == 1000);
    v8r_value args[2] = {v8r_value_number(40), v8r_value_number(2)};
    CHECK(v8r_runtime_call(rt, "add", args, 2, 0, &v, NULL) == V8R_STATUS_OK && v.number == 42);
    /* a pinned call can still be cancelled by its own call id */
    struct pinned_cancel c = {rt};
    pthread_t th;
    pthread_create(&th, NULL, cancel_pinned_call, &c);
    const char *spin = "for (;;) {}";
    CHECK(v8r_runtime_eval(rt, (const uint8_t *)spin, strlen(spin), NULL, 77, NULL, NULL) == V8R_STATUS_TERMINATED);
    pthread_join(th, NULL);
    CHECK(eval(rt, "n", &v, NULL) == V8R_STATUS_OK && v.number == 1000); /* and the next call runs */
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_WRONG_THREAD);
    CHECK(v8r_runtime_pin(rt) == V8R_STATUS_WRONG_THREAD); /* already pinned */
    CHECK(v8r_runtime_unpin(rt) == V8R_STATUS_OK);
    CHECK(v8r_runtime_unpin(rt) == V8R_STATUS_WRONG_THREAD);
    CHECK(eval(rt, "n + 1", &v, NULL) == V8R_STATUS_OK && v.number == 1001);
    /* freed while pinned: unpin still releases it */
    CHECK(v8r_runtime_pin(rt) == V8R_STATUS_OK);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
    CHECK(eval(rt, "1", &v, NULL) == V8R_STATUS_CLOSED);
    CHECK(v8r_runtime_unpin(rt) == V8R_STATUS_OK);
    CHECK(v8r_runtime_count() == 0);
}

static void test_runtime_heap_limit(void) {
    v8r_runtime *rt = NULL;
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.heap_limit = 16 << 20;
    opts.name = "small";
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    v8r_value v;
    v8r_error *err = NULL;
    CHECK(eval(rt, "var keep = []; while (true) keep.push({n: keep.length, s: 'x' + keep.length})", &v, &err) == V8R_STATUS_HEAP_LIMIT);
    CHECK(err && err->kind == V8R_STATUS_HEAP_LIMIT);
    v8r_error_free(err);
    v8r_runtime *rt2 = NULL;
    CHECK(v8r_runtime_new(&opts, &rt2, NULL) == V8R_STATUS_OK);
    CHECK(eval(rt2, "let s = []; while (true) s.push(new Array(100).fill(1))", &v, NULL) == V8R_STATUS_HEAP_LIMIT);
    v8r_runtime_free(rt2);
    /* one allocation far past the limit (found by fuzzing: V8 aborted) */
    CHECK(v8r_runtime_new(&opts, &rt2, NULL) == V8R_STATUS_OK);
    CHECK(eval(rt2, "new Array(88888885).fill({})", &v, NULL) == V8R_STATUS_HEAP_LIMIT);
    v8r_runtime_free(rt2);
    CHECK(eval(rt, "1", &v, &err) == V8R_STATUS_CLOSED);
    CHECK(err && strstr(err->message, "heap limit"));
    v8r_error_free(err);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
    /* the process and other runtimes are fine */
    char *alive = runv8("'alive'");
    CHECK_STR(alive, "alive");
    free(alive);
    opts.heap_limit = 1000;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_BAD_INPUT);
}

struct other_thread_call {
    v8r_runtime *rt;
    v8r_status eval_status, free_status;
    double number;
};

static void *call_from_other_thread(void *arg) {
    struct other_thread_call *c = arg;
    v8r_value v = {0};
    c->eval_status = eval(c->rt, "shared + 1", &v, NULL);
    c->number = v.number;
    c->free_status = v8r_runtime_free(c->rt);
    return NULL;
}

static void test_runtime_wrong_thread(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(eval(rt, "var shared = 1", NULL, NULL) == V8R_STATUS_OK);
    struct other_thread_call c = {rt, 0, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, call_from_other_thread, &c);
    pthread_join(th, NULL);
    CHECK(c.eval_status == V8R_STATUS_WRONG_THREAD);
    CHECK(c.free_status == V8R_STATUS_WRONG_THREAD);
    CHECK(eval(rt, "shared", NULL, NULL) == V8R_STATUS_OK); /* untouched */
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);

    /* any-thread mode: another thread may call and free */
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.flags = V8R_RUNTIME_ANY_THREAD;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    CHECK(eval(rt, "var shared = 41", NULL, NULL) == V8R_STATUS_OK);
    c.rt = rt;
    pthread_create(&th, NULL, call_from_other_thread, &c);
    pthread_join(th, NULL);
    CHECK(c.eval_status == V8R_STATUS_OK && c.number == 42);
    CHECK(c.free_status == V8R_STATUS_OK);
    CHECK(eval(rt, "1", NULL, NULL) == V8R_STATUS_CLOSED);
}

static void test_runtime_many_rss_flat(void) {
    int n = getenv("V8R_QUICK") ? 200 : 1000;
    long base = 0;
    for (int i = 0; i < n; i++) {
        if (i == 100) base = t_proc_kib("VmRSS");
        v8r_runtime *rt = NULL;
        if (v8r_runtime_new(NULL, &rt, NULL) != V8R_STATUS_OK) {
            CHECK(!"runtime_new failed");
            break;
        }
        v8r_value v;
        if (eval(rt, "var big = new Array(10000).fill('x'); big.length", &v, NULL) != V8R_STATUS_OK || v.number != 10000)
            CHECK(!"eval failed");
        v8r_runtime_free(rt);
    }
    long grown = t_proc_kib("VmRSS") - base;
    fprintf(stderr, "(RSS +%ld KiB over %d runtimes) ", grown, n - 100);
    /* A leaked runtime costs over 1 MiB, so 900 leaks would be ~1 GiB. */
    CHECK(grown < 64 * 1024);
    CHECK(v8r_runtime_count() == 0);
}

/* Deep recursion on a thread with a small stack is a RangeError. */
struct small_stack {
    v8r_status runtime_status;
    int range_error;
    int deeper_range_error;
    char *oneshot;
};

/* The same overflow entered from `depth` KiB further down the C stack: the
 * owner thread's later calls reuse the V8 state (and stack limit) of its
 * first, which must hold wherever a call starts. */
static int overflow_from_deeper(v8r_runtime *rt, int depth) {
    volatile char pad[1024];
    pad[0] = (char)depth;
    if (depth > 0) return overflow_from_deeper(rt, depth - 1) + pad[0] * 0;
    v8r_error *err = NULL;
    const char *src = "function g() { return g() + 1 } g()";
    int ok = v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, &err) == V8R_STATUS_EXCEPTION &&
             err && strstr(err->message, "RangeError") != NULL;
    v8r_error_free(err);
    return ok;
}

static void *small_stack_main(void *arg) {
    struct small_stack *s = arg;
    v8r_runtime *rt = t_runtime(0);
    v8r_error *err = NULL;
    const char *src = "function f() { return f() + 1 } f()";
    s->runtime_status = v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, &err);
    s->range_error = err && strstr(err->message, "RangeError") != NULL;
    v8r_error_free(err);
    s->deeper_range_error = overflow_from_deeper(rt, 48);
    /* the runtime is still usable after the overflow */
    v8r_value v;
    if (t_eval(rt, "[1, 2, 3].map(x => x * 2).join()", &v) != V8R_STATUS_OK || v.kind != V8R_KIND_STRING)
        s->range_error = 0;
    v8r_value_release(&v);
    v8r_runtime_free(rt);
    s->oneshot = runv8("function g(n) { return g(n + 1) } try { g(0) } catch (e) { e.constructor.name }");
    return NULL;
}

static void test_small_stack_threads(void) {
    size_t sizes[] = {256 << 10, 512 << 10};
    for (int i = 0; i < 2; i++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, sizes[i]);
        struct small_stack s = {0};
        pthread_t th;
        CHECK(pthread_create(&th, &attr, small_stack_main, &s) == 0);
        pthread_join(th, NULL);
        pthread_attr_destroy(&attr);
        CHECK(s.runtime_status == V8R_STATUS_EXCEPTION);
        CHECK(s.range_error);
        CHECK(s.deeper_range_error);
        CHECK_STR(s.oneshot, "RangeError");
        free(s.oneshot);
    }
}

/* Memory outside the JS heap is bounded too: ArrayBuffers past the limit
 * throw a RangeError, the runtime lives on, and collected buffers give
 * their room back. */
static void test_array_buffer_limit(void) {
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.heap_limit = 32 << 20;
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    CHECK(t_true(rt, "try { new ArrayBuffer(64 * 2 ** 20); false } catch (e) { e instanceof RangeError }"));
    CHECK(t_true(rt, "try { new Uint8Array(2 ** 31); false } catch (e) { e instanceof RangeError }"));
    CHECK(t_true(rt, "var kept = []; try { for (;;) kept.push(new ArrayBuffer(2 ** 20)) } catch (e) {"
                     " e instanceof RangeError && kept.length >= 16 && kept.length <= 32 }"));
    CHECK(t_eval(rt, "kept = null", NULL) == V8R_STATUS_OK);
    /* garbage buffers are collected when the room runs out */
    CHECK(t_true(rt, "for (let i = 0; i < 200; i++) new Uint8Array(4 * 2 ** 20)[0] = i; true"));
    v8r_value v;
    CHECK(t_eval(rt, "var s = new SharedArrayBuffer(3); new Uint8Array(s).set([1, 2, 3]); s", &v) == V8R_STATUS_OK);
    CHECK(v.kind == V8R_KIND_BYTES && v.len == 3 && v.data[2] == 3);
    v8r_value_release(&v);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
    /* its own option, without a heap limit */
    v8r_runtime_options_init(&opts);
    opts.array_buffer_limit = 1 << 20;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    CHECK(t_true(rt, "new ArrayBuffer(2 ** 19).byteLength === 2 ** 19"));
    CHECK(t_true(rt, "try { new ArrayBuffer(2 ** 21); false } catch (e) { e instanceof RangeError }"));
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK);
}

/* Every runtime has the web platform's basics, working; a bare one has
 * none of them (and still its timers and console). */
static void test_web_apis_present_or_bare(void) {
    static const char *names[] = {"TextEncoder", "TextDecoder", "atob", "btoa", "structuredClone", "DOMException",
                                  "performance", "crypto", "Event", "EventTarget", "CustomEvent", "AbortController",
                                  "AbortSignal", "URL", "URLSearchParams"};
    v8r_runtime *full = t_runtime(0);
    v8r_runtime *bare = t_runtime(V8R_RUNTIME_NO_WEB_APIS);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char src[128];
        snprintf(src, sizeof src, "typeof %s", names[i]);
        v8r_value a, b;
        CHECK(t_eval(full, src, &a) == V8R_STATUS_OK && a.kind == V8R_KIND_STRING);
        CHECK(strncmp((const char *)a.data, "undefined", a.len) != 0);
        CHECK(t_eval(bare, src, &b) == V8R_STATUS_OK && b.kind == V8R_KIND_STRING);
        CHECK(b.len == 9 && strncmp((const char *)b.data, "undefined", 9) == 0);
        v8r_value_release(&a);
        v8r_value_release(&b);
    }
    v8r_value v;
    const char *works =
        "new TextDecoder().decode(new TextEncoder().encode(atob(btoa('ok')))) + "
        "structuredClone(new Map([[1, 2]])).get(1) + crypto.randomUUID().length + "
        "(AbortSignal.abort().reason instanceof DOMException) + new URL('../b?x=1', 'http://h/a/c').search";
    CHECK(t_eval(full, works, &v) == V8R_STATUS_OK && v.kind == V8R_KIND_STRING);
    CHECK(v.len == 13 && memcmp(v.data, "ok236true?x=1", 13) == 0);
    v8r_value_release(&v);
    /* An error whose name and message are accessors still says what it is. */
    v8r_error *err = NULL;
    const char *dom = "throw new DOMException('top', 'InvalidStateError')";
    CHECK(v8r_runtime_eval(full, (const uint8_t *)dom, strlen(dom), NULL, 0, NULL, &err) == V8R_STATUS_EXCEPTION);
    CHECK_STR(err->message, "Uncaught InvalidStateError: top");
    CHECK_STR(err->name, "DOMException");
    v8r_error_free(err);
    CHECK(t_eval(bare, "typeof setTimeout + typeof console.log", &v) == V8R_STATUS_OK);
    v8r_value_release(&v);
    v8r_runtime_options bad;
    v8r_runtime_options_init(&bad);
    bad.flags = 1u << 7;
    v8r_runtime *none = NULL;
    CHECK(v8r_runtime_new(&bad, &none, NULL) == V8R_STATUS_BAD_INPUT && none == NULL);
    v8r_runtime_free(full);
    v8r_runtime_free(bare);
}

void run_runtime_tests(void) {
    RUN(test_runtime_state_and_values);
    RUN(test_runtime_error_kinds);
    RUN(test_runtime_terminate);
    RUN(test_runtime_terminate_call);
    RUN(test_runtime_pin);
    RUN(test_runtime_heap_limit);
    RUN(test_runtime_wrong_thread);
    RUN(test_runtime_many_rss_flat);
    RUN(test_small_stack_threads);
    RUN(test_array_buffer_limit);
    RUN(test_web_apis_present_or_bare);
}
