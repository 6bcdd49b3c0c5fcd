/* Host function tests: sync calls with typed arguments and results, thrown
 * errors, re-entrant calls, finalizers; async functions settled from other
 * threads, rejected, or dropped. */
#define _GNU_SOURCE
#include "check.h"
#include "v8runner.h"

#include <pthread.h>
#include <time.h>

static v8r_status run_js(v8r_runtime *rt, const char *src, v8r_value *out) {
    v8r_error *err = NULL;
    v8r_status st = v8r_runtime_eval(rt, (const uint8_t *)src, strlen(src), "host.js", 0, out, &err);
    if (st != V8R_STATUS_OK) fprintf(stderr, "  js: %s\n", err ? err->message : "?");
    v8r_error_free(err);
    return st;
}

static void expect_true(v8r_runtime *rt, const char *expr) {
    v8r_value v;
    CHECK(run_js(rt, expr, &v) == V8R_STATUS_OK);
    if (v.kind != V8R_KIND_BOOL || !v.boolean) fprintf(stderr, "  not true: %s\n", expr);
    CHECK(v.kind == V8R_KIND_BOOL && v.boolean);
    v8r_value_release(&v);
}

struct host_state {
    v8r_runtime *rt;
    int calls, finalized;
    v8r_status reentry;
};

static v8r_status host_add(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    struct host_state *s = data;
    s->calls++;
    if (argc != 2 || args[0].kind != V8R_KIND_NUMBER || args[1].kind != V8R_KIND_NUMBER) {
        const char *msg = "add wants two numbers";
        *result = v8r_value_string(msg, strlen(msg));
        return V8R_STATUS_EXCEPTION;
    }
    *result = v8r_value_number(args[0].number + args[1].number);
    return V8R_STATUS_OK;
}

/* Describes its arguments as a string; calls back into the runtime. */
static v8r_status host_describe(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    struct host_state *s = data;
    char buf[512] = "";
    for (size_t i = 0; i < argc; i++) {
        char part[128];
        snprintf(part, sizeof part, "%s%u:%.*s", i ? "|" : "", (unsigned)args[i].kind, (int)args[i].len,
                 args[i].data ? args[i].data : "");
        strncat(buf, part, sizeof buf - strlen(buf) - 1);
    }
    s->reentry = v8r_runtime_eval(s->rt, (const uint8_t *)"globalThis.touched = true", 25, NULL, 0, NULL, NULL);
    *result = v8r_value_string(buf, strlen(buf));
    return V8R_STATUS_OK;
}

static v8r_status host_bad_result(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data, (void)args, (void)argc;
    result->kind = 77; /* not a kind */
    return V8R_STATUS_OK;
}

static void host_finalize(void *data) { ((struct host_state *)data)->finalized++; }

static void test_host_sync(void) {
    struct host_state s = {0};
    CHECK(v8r_runtime_new(NULL, &s.rt, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register(s.rt, "add", host_add, &s, host_finalize, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register(s.rt, "describe", host_describe, &s, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register(s.rt, "bad", host_bad_result, &s, NULL, NULL) == V8R_STATUS_OK);
    expect_true(s.rt, "add(2, 3) === 5 && add.name === 'add'");
    expect_true(s.rt, "(() => { try { add('x') } catch (e) { return e instanceof Error && e.message === 'add wants two numbers' } })()");
    expect_true(s.rt, "describe('s', {a: 1}, 7n, null) === '5:s|6:{\"a\":1}|4:7|1:'");
    CHECK(s.reentry == V8R_STATUS_OK);
    expect_true(s.rt, "touched === true");
    expect_true(s.rt, "(() => { try { bad() } catch (e) { return e.message.includes('bad value') } })()");
    /* a cyclic argument cannot be converted: a clear exception */
    expect_true(s.rt, "(() => { const o = {}; o.o = o; try { describe(o) } catch (e) { return /circular/.test(e.message) } })()");
    CHECK(s.calls == 2);
    v8r_error *err = NULL;
    CHECK(v8r_runtime_register(s.rt, NULL, host_add, &s, NULL, &err) == V8R_STATUS_BAD_INPUT);
    v8r_error_free(err);
    CHECK(v8r_runtime_register(s.rt, "x", NULL, &s, host_finalize, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(s.finalized == 0);
    v8r_runtime_free(s.rt);
    CHECK(s.finalized == 1);
}

/* ---- async ----------------------------------------------------------------- */

struct pending_call {
    v8r_promise *promise;
    double x;
    int mode; /* 0 resolve, 1 reject, 2 drop */
};

static void *settle_later(void *arg) {
    struct pending_call *c = arg;
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
    if (c->mode == 0) {
        v8r_value v = v8r_value_number(c->x * 2);
        CHECK(v8r_promise_resolve(c->promise, &v) == V8R_STATUS_OK);
        CHECK(v8r_promise_resolve(c->promise, &v) == V8R_STATUS_CLOSED); /* consumed */
    } else if (c->mode == 1) {
        CHECK(v8r_promise_reject(c->promise, "no luck", 7) == V8R_STATUS_OK);
    } else {
        v8r_promise_free(c->promise);
    }
    free(c);
    return NULL;
}

static void host_later(void *data, const v8r_value *args, size_t argc, v8r_promise *promise) {
    (void)data;
    struct pending_call *c = malloc(sizeof *c);
    c->promise = promise;
    c->x = argc > 0 ? args[0].number : 0;
    c->mode = argc > 1 ? (int)args[1].number : 0;
    pthread_t th;
    pthread_create(&th, NULL, settle_later, c);
    pthread_detach(th);
}

static void test_host_async(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register_async(rt, "later", host_later, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(run_js(rt, "var out = {};"
                     "later(21).then(v => out.ok = v);"
                     "later(1, 1).catch(e => out.rejected = e.message);"
                     "later(1, 2).catch(e => out.dropped = e.message);"
                     "(async () => { out.awaited = await later(50) })();"
                     "later(3) instanceof Promise",
                 NULL) == V8R_STATUS_OK);
    bool alive = true;
    CHECK(v8r_runtime_run(rt, 0, 0, &alive, NULL) == V8R_STATUS_OK); /* pending promises keep it alive */
    CHECK(!alive);
    expect_true(rt, "out.ok === 42 && out.awaited === 100 && out.rejected === 'no luck'");
    expect_true(rt, "/without settling/.test(out.dropped)");
    CHECK(v8r_promise_resolve(NULL, NULL) == V8R_STATUS_BAD_INPUT);
    v8r_promise_free(NULL);
    v8r_runtime_free(rt);
}

static void test_runtime_call(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(run_js(rt, "function add(a, b) { return a + b } function boom() { throw new RangeError('no') }", NULL) == V8R_STATUS_OK);
    v8r_value args[2] = {v8r_value_number(40), v8r_value_number(2)}, out;
    CHECK(v8r_runtime_call(rt, "add", args, 2, 0, &out, NULL) == V8R_STATUS_OK);
    CHECK(out.kind == V8R_KIND_NUMBER && out.number == 42);
    v8r_value strs[2] = {v8r_value_string("a", 1), v8r_value_json("[1]", 3)};
    CHECK(v8r_runtime_call(rt, "add", strs, 2, 0, &out, NULL) == V8R_STATUS_OK);
    CHECK(out.kind == V8R_KIND_STRING && strcmp(out.data, "a1") == 0);
    v8r_value_release(&out);
    v8r_value_release(&strs[0]);
    v8r_value_release(&strs[1]);
    v8r_error *err = NULL;
    CHECK(v8r_runtime_call(rt, "boom", NULL, 0, 0, &out, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "RangeError: no") && err->stack);
    v8r_error_free(err);
    CHECK(v8r_runtime_call(rt, "missing", NULL, 0, 0, &out, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "missing is not a function"));
    v8r_error_free(err);
    CHECK(v8r_runtime_call(rt, "add", NULL, 2, 0, &out, NULL) == V8R_STATUS_BAD_INPUT);
    v8r_runtime_free(rt);
}

static void test_function_refs(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(run_js(rt, "var calls = 0; function mul(a, b) { calls++; return a * b }", NULL) == V8R_STATUS_OK);
    v8r_function *f = NULL;
    CHECK(v8r_runtime_function(rt, "mul", &f, NULL) == V8R_STATUS_OK && f != NULL);
    v8r_value args[2] = {v8r_value_number(6), v8r_value_number(7)}, out;
    for (int i = 0; i < 3; i++) CHECK(v8r_function_call(f, args, 2, 0, &out, NULL) == V8R_STATUS_OK && out.number == 42);
    /* the reference outlives a reassignment of the global */
    CHECK(run_js(rt, "mul = null", NULL) == V8R_STATUS_OK);
    CHECK(v8r_function_call(f, args, 2, 0, &out, NULL) == V8R_STATUS_OK && out.number == 42);
    expect_true(rt, "calls === 4");
    v8r_function *missing = (v8r_function *)1;
    v8r_error *err = NULL;
    CHECK(v8r_runtime_function(rt, "mul", &missing, &err) == V8R_STATUS_EXCEPTION && missing == NULL);
    v8r_error_free(err);
    v8r_runtime_free(rt);
    CHECK(v8r_function_call(f, args, 2, 0, &out, NULL) == V8R_STATUS_CLOSED);
    v8r_function_free(f); /* after the runtime: still fine */
    CHECK(v8r_function_call(f, args, 2, 0, &out, NULL) == V8R_STATUS_CLOSED);
    v8r_function_free(NULL);
}

void run_host_tests(void) {
    RUN(test_function_refs);
    RUN(test_runtime_call);
    RUN(test_host_sync);
    RUN(test_host_async);
}
