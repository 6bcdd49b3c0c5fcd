/* C tests of the v8runner header: the classic runv8, the rich runtime API,
 * threads, errors and bad input. Also run under AddressSanitizer
 * (make test-asan). */
#define _GNU_SOURCE
#include "v8runner.h"
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>

int check_failures_in_test;
int tests_passed, tests_failed;

void run_loop_tests(void);  /* test_loop.c */
void run_async_tests(void); /* test_async.c */
void run_host_tests(void);  /* test_host.c */
void run_hooks_tests(void); /* test_hooks.c */
void run_calls_tests(void); /* test_calls.c */
void run_runv8_tests(void); /* test_runv8.c */

/* ---- helpers ------------------------------------------------------------ */

static void check_runv8(const char *src, const char *want) {
    char *got = runv8(src);
    CHECK_STR(got, want);
    if (!got) fprintf(stderr, "  error: %s\n", v8r_last_error());
    free(got);
}

static v8r_status eval(v8r_runtime *rt, const char *src, v8r_value *out, v8r_error **err) {
    return v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), "test.js", 0, out, err);
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

/* ---- runv8 ---------------------------------------------------------------- */

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

/* V8 must not take SIGSEGV (Go and other hosts own it). Checked in a
 * fresh child process, so the "before" snapshot is taken before V8 starts. */
static int signals_child(void) {
    int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
    enum { N = sizeof sigs / sizeof sigs[0] };
    struct sigaction before[N], after[N];
    for (int i = 0; i < N; i++) sigaction(sigs[i], NULL, &before[i]);
    free(runv8("new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0]))); 1"));
    v8r_runtime *rt = NULL;
    if (v8r_runtime_new(NULL, &rt, NULL) != V8R_STATUS_OK) return 100;
    const char *src = "setTimeout(() => new WebAssembly.Memory({initial: 1}), 1)";
    v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, NULL);
    v8r_runtime_run(rt, 0, 0, NULL, NULL);
    v8r_runtime_free(rt);
    int changed = 0;
    for (int i = 0; i < N; i++) {
        sigaction(sigs[i], NULL, &after[i]);
        if (before[i].sa_handler != after[i].sa_handler || before[i].sa_flags != after[i].sa_flags) {
            fprintf(stderr, "signal %d: handler installed\n", sigs[i]);
            changed++;
        }
    }
    return changed;
}

extern char **environ;

/* Run this test binary again with `mode` as its argument; its exit code. */
static int run_child(char *mode) {
    char *argv[] = {"test_c", mode, NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ) != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1000 - (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void test_no_signal_handlers(void) { CHECK(run_child("--signals-child") == 0); }

/* ---- runtimes ----------------------------------------------------------- */

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

    /* a cycle cannot be JSON: a clear exception */
    v8r_error *err = NULL;
    CHECK(eval(rt, "var o = {}; o.self = o; o", &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "circular") != NULL);
    v8r_error_free(err);
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

    /* an unhandled promise rejection inside eval is not an eval error */
    CHECK(eval(rt, "Promise.reject(new Error('later')); 1", &v, NULL) == V8R_STATUS_OK);

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
    check_runv8("'alive'", "alive");
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
        if (i == 100) base = rss_kib();
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
    long grown = rss_kib() - base;
    fprintf(stderr, "(RSS +%ld KiB over %d runtimes) ", grown, n - 100);
    /* A leaked runtime costs over 1 MiB, so 900 leaks would be ~1 GiB. */
    CHECK(grown < 64 * 1024);
    CHECK(v8r_runtime_count() == 0);
}

/* ---- address-space limits (ulimit -v) ------------------------------------
 * Run in a fresh child process (V8 must not be started yet): first a limit
 * below what V8 reserves at start, then one that leaves room for V8 and a
 * few isolates only. Every failure must be an error, never an abort. */

static long vm_size_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld kB", &kib) == 1) break;
    if (f) fclose(f);
    return kib;
}

static int address_space_child(void) {
    int fails = 0;
    struct rlimit rl;
    getrlimit(RLIMIT_AS, &rl);
    rl.rlim_cur = 8UL << 30; /* V8 reserves up to 48 GiB when it starts */
    setrlimit(RLIMIT_AS, &rl);
    char *s = runv8("1 + 1");
    if (s != NULL || !v8r_last_error() || !strstr(v8r_last_error(), "address space")) fails++, fprintf(stderr, "runv8 under 8 GiB: %s\n", s ? s : v8r_last_error());
    free(s);
    v8r_runtime *rt = NULL;
    v8r_error *err = NULL;
    if (v8r_runtime_new(NULL, &rt, &err) != V8R_STATUS_OUT_OF_MEMORY) fails++, fprintf(stderr, "runtime_new under 8 GiB did not fail cleanly\n");
    v8r_error_free(err);
    /* V8 started without a limit, then room for a few isolates only. */
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_AS, &rl);
    s = runv8("6 * 7");
    if (!s || strcmp(s, "42") != 0) fails++, fprintf(stderr, "runv8 once the limit is lifted: %s\n", s ? s : v8r_last_error());
    free(s);
    rl.rlim_cur = ((unsigned long)vm_size_kib() << 10) + (2UL << 30);
    setrlimit(RLIMIT_AS, &rl);
    v8r_runtime *rts[64];
    int created = 0;
    v8r_status st = V8R_STATUS_OK;
    while (created < 64 && (st = v8r_runtime_new(NULL, &rts[created], NULL)) == V8R_STATUS_OK) {
        v8r_value v;
        if (v8r_runtime_eval(rts[created], (const uint8_t *)"6 * 7", 5, NULL, 0, &v, NULL) != V8R_STATUS_OK || v.number != 42) fails++;
        created++;
    }
    fprintf(stderr, "(%d runtimes, then %s) ", created, v8r_status_name(st));
    if (st != V8R_STATUS_OUT_OF_MEMORY || created == 0) fails++, fprintf(stderr, "created %d runtimes, then %s\n", created, v8r_status_name(st));
    for (int i = 0; i < created; i++) v8r_runtime_free(rts[i]);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_AS, &rl);
    return fails;
}

/* Exits normally (not killed by V8's abort) with no failure. */
static void test_address_space_limit(void) { CHECK(run_child("--address-space-child") == 0); }

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--address-space-child") == 0) return address_space_child();
    if (argc > 1 && strcmp(argv[1], "--signals-child") == 0) return signals_child();
    RUN(test_runv8_values);
    RUN(test_runv8_errors);
    RUN(test_runv8_len_bad_input);
    RUN(test_runv8_huge_source);
    RUN(test_runv8_rich);
    RUN(test_runv8_threads);
    RUN(test_no_signal_handlers);
    RUN(test_runtime_state_and_values);
    RUN(test_runtime_error_kinds);
    RUN(test_runtime_terminate);
    RUN(test_runtime_terminate_call);
    RUN(test_runtime_pin);
    RUN(test_runtime_heap_limit);
    RUN(test_runtime_wrong_thread);
    RUN(test_runtime_many_rss_flat);
#ifndef __SANITIZE_ADDRESS__ /* ASan reserves terabytes of shadow memory itself */
    RUN(test_address_space_limit);
#endif
    run_loop_tests();
    run_async_tests();
    run_host_tests();
    run_hooks_tests();
    run_calls_tests();
    run_runv8_tests();
    return SUMMARY();
}
