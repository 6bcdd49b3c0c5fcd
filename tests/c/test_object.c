/* Object handles: live JS values held across calls (properties, methods
 * with the right `this`, Maps, cycles), Promises awaited from C, handles
 * passed back into JS, handles of freed runtimes, and memory that stays
 * flat however many handles a program makes and drops. */
#define _GNU_SOURCE
#define T_RESOURCE "object.js"
#include "helpers.h"

/* src's completion value as an object handle (NULL on failure). */
static v8r_object *eval_object(v8r_runtime *rt, const char *src) {
    v8r_value v;
    v8r_error *err = NULL;
    v8r_status st = v8r_runtime_eval_with(rt, (const uint8_t *)src, strlen(src), T_RESOURCE, V8R_OBJECTS, 0, &v, &err);
    if (st != V8R_STATUS_OK) {
        fprintf(stderr, "  (eval_object: %s: %s) ", v8r_status_name(st), err ? err->message : "");
        v8r_error_free(err);
        return NULL;
    }
    v8r_object *o = v8r_object_dup(v8r_value_get_object(&v));
    v8r_value_release(&v);
    return o;
}

static void test_object_properties(void) {
    v8r_runtime *rt = t_runtime(0);
    size_t base = v8r_object_count();
    v8r_object *o = eval_object(rt, "var seen = {a: 1, b: 'two', nested: {c: [3]}}; seen");
    CHECK(o != NULL && v8r_object_count() == base + 1);
    v8r_object_type ty = 99;
    CHECK(v8r_object_typeof(o, &ty) == V8R_STATUS_OK && ty == V8R_OBJECT_TYPE_OBJECT);
    v8r_value v;
    CHECK(v8r_object_get(o, "a", 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_NUMBER && v.number == 1);
    CHECK(v8r_object_get(o, "nested", 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    CHECK(strcmp(v.data, "{\"c\":[3]}") == 0);
    v8r_value_release(&v);
    /* the nested object as a handle of its own */
    CHECK(v8r_object_get(o, "nested", V8R_OBJECTS, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_OBJECT);
    v8r_object *nested = v8r_value_get_object(&v);
    v8r_value c;
    CHECK(v8r_object_get(nested, "c", V8R_OBJECTS, &c, NULL) == V8R_STATUS_OK && c.kind == V8R_KIND_OBJECT);
    CHECK(v8r_object_typeof(v8r_value_get_object(&c), &ty) == V8R_STATUS_OK && ty == V8R_OBJECT_TYPE_ARRAY);
    v8r_value_release(&c);
    v8r_value_release(&v);
    /* writes are seen by JS, and keys in JS order */
    v8r_value five = v8r_value_number(5);
    CHECK(v8r_object_set(o, "x", &five, NULL) == V8R_STATUS_OK);
    CHECK(t_true(rt, "seen.x === 5"));
    bool has = false, gone = false;
    CHECK(v8r_object_has(o, "b", &has, NULL) == V8R_STATUS_OK && has);
    CHECK(v8r_object_delete(o, "b", &gone, NULL) == V8R_STATUS_OK && gone);
    CHECK(v8r_object_has(o, "b", &has, NULL) == V8R_STATUS_OK && !has);
    CHECK(v8r_object_keys(o, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    CHECK(strcmp(v.data, "[\"a\",\"nested\",\"x\"]") == 0);
    v8r_value_release(&v);
    CHECK(v8r_object_value(o, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    CHECK(strcmp(v.data, "{\"a\":1,\"nested\":{\"c\":[3]},\"x\":5}") == 0);
    v8r_value_release(&v);
    /* a throwing getter is an exception of that call only */
    CHECK(t_eval(rt, "Object.defineProperty(seen, 'bad', {get() { throw new TypeError('no getter') }})", NULL) ==
          V8R_STATUS_OK);
    v8r_error *err = NULL;
    CHECK(v8r_object_get(o, "bad", 0, &v, &err) == V8R_STATUS_EXCEPTION && err && strstr(err->message, "no getter"));
    v8r_error_free(err);
    CHECK(v8r_object_get(o, NULL, 0, &v, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_object_get(o, "a", 0x80, &v, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_object_get(NULL, "a", 0, &v, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_object_get((v8r_object *)rt, "a", 0, &v, NULL) == V8R_STATUS_CLOSED); /* a runtime is no object */
    v8r_object_free(o);
    CHECK(v8r_object_get(o, "a", 0, &v, NULL) == V8R_STATUS_CLOSED);
    CHECK(v8r_object_count() == base);
    v8r_runtime_free(rt);
}

static void test_object_methods(void) {
    v8r_runtime *rt = t_runtime(0);
    v8r_object *counter = eval_object(
        rt, "({n: 10, add(k) { this.n += k; return this.n }, self() { return this === globalThis ? 'global' : 'obj' }})");
    v8r_value args[1] = {v8r_value_number(5)}, v;
    CHECK(v8r_object_call(counter, "add", args, 1, 0, 0, &v, NULL) == V8R_STATUS_OK && v.number == 15);
    CHECK(v8r_object_call(counter, "add", args, 1, 0, 0, &v, NULL) == V8R_STATUS_OK && v.number == 20);
    CHECK(v8r_object_call(counter, "self", NULL, 0, 0, 0, &v, NULL) == V8R_STATUS_OK && strcmp(v.data, "obj") == 0);
    v8r_value_release(&v);
    v8r_error *err = NULL;
    CHECK(v8r_object_call(counter, "n", NULL, 0, 0, 0, &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "n is not a function"));
    v8r_error_free(err);
    /* a function handle called as itself */
    v8r_object *f = eval_object(rt, "(function (a, b) { 'use strict'; return [typeof this, a * b] })");
    v8r_value two[2] = {v8r_value_number(6), v8r_value_number(7)};
    CHECK(v8r_object_call(f, NULL, two, 2, 0, 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    CHECK(strcmp(v.data, "[\"undefined\",42]") == 0);
    v8r_value_release(&v);
    /* a Map keeps its entries; its methods work on it */
    v8r_object *map = eval_object(rt, "new Map([['a', 1]])");
    v8r_object_type ty;
    CHECK(v8r_object_typeof(map, &ty) == V8R_STATUS_OK && ty == V8R_OBJECT_TYPE_MAP);
    v8r_value kv[2] = {v8r_value_string("b", 1), v8r_value_number(2)};
    CHECK(v8r_object_call(map, "set", kv, 2, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_object_get(map, "size", 0, &v, NULL) == V8R_STATUS_OK && v.number == 2);
    CHECK(v8r_object_call(map, "get", kv, 1, 0, 0, &v, NULL) == V8R_STATUS_OK && v.number == 2);
    v8r_value_release(&kv[0]);
    /* handles passed back into JS are the same objects */
    CHECK(t_eval(rt, "var kept = []; function keep(x) { kept.push(x); return kept.length }", NULL) == V8R_STATUS_OK);
    v8r_value arg = v8r_value_object(map);
    CHECK(arg.kind == V8R_KIND_OBJECT);
    CHECK(v8r_runtime_call(rt, "keep", &arg, 1, 0, &v, NULL) == V8R_STATUS_OK && v.number == 1);
    v8r_value_release(&arg);
    CHECK(t_true(rt, "kept[0] instanceof Map && kept[0].get('b') === 2"));
    v8r_object *g = NULL;
    CHECK(v8r_runtime_global(rt, &g, NULL) == V8R_STATUS_OK);
    CHECK(v8r_object_get(g, "kept", V8R_OBJECTS, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_OBJECT);
    v8r_value_release(&v);
    v8r_object_free(g);
    v8r_object_free(map);
    v8r_object_free(f);
    v8r_object_free(counter);
    v8r_runtime_free(rt);
}

static void test_object_cycles_and_runtimes(void) {
    v8r_runtime *rt = t_runtime(0), *other = t_runtime(0);
    /* a result JSON cannot copy comes back as a handle; the script ran */
    v8r_value v;
    CHECK(t_eval(rt, "var a = {name: 'a'}; a.self = a; var ran = true; a", &v) == V8R_STATUS_OK);
    CHECK(v.kind == V8R_KIND_OBJECT && t_true(rt, "ran"));
    v8r_value name;
    CHECK(v8r_object_get(v8r_value_get_object(&v), "name", 0, &name, NULL) == V8R_STATUS_OK);
    CHECK(name.kind == V8R_KIND_STRING && strcmp(name.data, "a") == 0);
    v8r_value_release(&name);
    /* a handle of one runtime is refused by another */
    v8r_error *err = NULL;
    CHECK(t_eval(other, "function id(x) { return x }", NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_call(other, "id", &v, 1, 0, &name, &err) == V8R_STATUS_BAD_INPUT);
    CHECK(err && strstr(err->message, "another runtime"));
    v8r_error_free(err);
    v8r_object *kept = v8r_object_dup(v8r_value_get_object(&v));
    v8r_value_release(&v);
    /* after its runtime is freed a handle gives CLOSED, and frees fine */
    v8r_runtime_free(rt);
    CHECK(v8r_object_get(kept, "name", 0, &name, NULL) == V8R_STATUS_CLOSED);
    CHECK(v8r_object_dup(NULL) == NULL);
    v8r_object_free(kept);
    v8r_object_free(NULL);
    v8r_runtime_free(other);
}

static void test_promise_await(void) {
    v8r_runtime *rt = t_runtime(0);
    v8r_value p, v;
    /* a Promise always comes back live, and awaiting it runs the loop */
    CHECK(t_eval(rt, "new Promise(r => setTimeout(() => r({late: true}), 20))", &p) == V8R_STATUS_OK);
    CHECK(p.kind == V8R_KIND_PROMISE);
    double t0 = t_now_ms();
    CHECK(v8r_object_await(v8r_value_get_object(&p), 0, 0, &v, NULL) == V8R_STATUS_OK);
    CHECK(v.kind == V8R_KIND_JSON && strcmp(v.data, "{\"late\":true}") == 0 && t_now_ms() - t0 >= 15);
    v8r_value_release(&v);
    /* awaiting again gives the same value at once */
    CHECK(v8r_object_await(v8r_value_get_object(&p), 0, 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    v8r_value_release(&v);
    v8r_value_release(&p);
    /* an async function's rejection is the await's error, with its stack */
    CHECK(t_eval(rt, "async function fail() { await null; throw new RangeError('too far') } fail()", &p) ==
          V8R_STATUS_OK);
    v8r_error *err = NULL;
    CHECK(v8r_object_await(v8r_value_get_object(&p), 0, 0, &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "RangeError: too far") && err->stack && strstr(err->stack, "fail"));
    v8r_error_free(err);
    v8r_value_release(&p);
    /* await of a plain value is the value; a promise nothing can settle is PENDING */
    v8r_object *o = eval_object(rt, "({plain: 1})");
    CHECK(v8r_object_await(o, 0, 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_JSON);
    v8r_value_release(&v);
    v8r_object_free(o);
    CHECK(t_eval(rt, "new Promise(() => {})", &p) == V8R_STATUS_OK && p.kind == V8R_KIND_PROMISE);
    CHECK(v8r_object_await(v8r_value_get_object(&p), 0, 0, &v, &err) == V8R_STATUS_PENDING);
    CHECK(err && strstr(err->message, "nothing in the event loop"));
    v8r_error_free(err);
    v8r_value_release(&p);
    /* a stop by call id ends the wait (and the timer still runs later) */
    CHECK(t_eval(rt, "new Promise(r => setTimeout(r, 5000))", &p) == V8R_STATUS_OK);
    t0 = t_now_ms();
    CHECK(v8r_runtime_terminate_call(rt, 77) == V8R_STATUS_OK); /* before it starts: remembered */
    CHECK(v8r_object_await(v8r_value_get_object(&p), 0, 77, &v, NULL) == V8R_STATUS_TERMINATED);
    CHECK(t_now_ms() - t0 < 1000);
    v8r_value_release(&p);
    v8r_runtime_free(rt);
}

static int errors_seen;
static void count_error(void *data, const v8r_error *err) {
    (void)data;
    (void)err;
    errors_seen++;
}

static v8r_object *held;
static v8r_status hold_arg(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data;
    (void)result;
    if (argc == 1 && args[0].kind == V8R_KIND_PROMISE) held = v8r_object_dup(v8r_value_get_object(&args[0]));
    return V8R_STATUS_OK;
}

static void test_promise_ownership(void) {
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.on_error = count_error;
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    errors_seen = 0;
    /* a rejected promise handed to the host is the host's: not unhandled */
    v8r_value p, v;
    CHECK(t_eval(rt, "Promise.reject(new Error('mine'))", &p) == V8R_STATUS_OK && p.kind == V8R_KIND_PROMISE);
    CHECK(t_run(rt) == V8R_STATUS_OK && errors_seen == 0);
    v8r_error *err = NULL;
    CHECK(v8r_object_await(v8r_value_get_object(&p), 0, 0, &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && strstr(err->message, "mine"));
    v8r_error_free(err);
    v8r_value_release(&p);
    /* one nobody holds is the call's error; others left with it go to the sink */
    v8r_error *lost = NULL;
    const char *src = "Promise.reject(new Error('lost')); Promise.reject(new Error('also lost')); 1";
    CHECK(v8r_runtime_eval_with(rt, (const uint8_t *)src, strlen(src), NULL, 0, 0, &v, &lost) ==
          V8R_STATUS_EXCEPTION);
    CHECK(lost && strstr(lost->message, "Uncaught (in promise) Error: lost"));
    v8r_error_free(lost);
    CHECK(errors_seen == 1);
    /* a promise passed to a host function can be kept and awaited later */
    CHECK(v8r_runtime_register(rt, "hold", hold_arg, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(t_eval(rt, "hold(new Promise(r => setTimeout(() => r('kept'), 5)))", NULL) == V8R_STATUS_OK);
    CHECK(held != NULL);
    CHECK(v8r_object_await(held, 0, 0, &v, NULL) == V8R_STATUS_OK && v.kind == V8R_KIND_STRING);
    CHECK(strcmp(v.data, "kept") == 0);
    v8r_value_release(&v);
    v8r_object_free(held);
    v8r_runtime_free(rt);
}

/* Errors keep their identity across the boundary: the thrown object, its
 * constructor name, and the host's tag through a `cause` chain. */
static v8r_object *saved_error;
static v8r_status throw_tagged(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data;
    (void)args;
    (void)argc;
    *result = v8r_value_string("tagged failure", 14);
    result->number = 42;
    return V8R_STATUS_EXCEPTION;
}
static v8r_status rethrow_saved(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data;
    (void)args;
    (void)argc;
    *result = v8r_value_object(saved_error);
    return V8R_STATUS_EXCEPTION;
}
static void reject_later(void *data, const v8r_value *args, size_t argc, v8r_promise *promise) {
    (void)data;
    v8r_value reason = argc == 1 && args[0].kind == V8R_KIND_BOOL && args[0].boolean
                           ? v8r_value_object(saved_error)
                           : v8r_value_string("async tagged", 12);
    if (reason.kind == V8R_KIND_STRING) reason.number = 7;
    CHECK(v8r_promise_reject_value(promise, &reason) == V8R_STATUS_OK);
    v8r_value_release(&reason);
}

static void test_errors_keep_identity(void) {
    v8r_runtime *rt = t_runtime(0);
    v8r_value v;
    v8r_error *err = NULL;
    const char *src = "class DbError extends Error {}; throw new DbError('no row')";
    CHECK(v8r_runtime_eval_with(rt, (const uint8_t *)src, strlen(src), T_RESOURCE, 0, 0, &v, &err) ==
          V8R_STATUS_EXCEPTION);
    CHECK(err && err->name && strcmp(err->name, "DbError") == 0 && err->exception && err->host_tag == 0);
    v8r_object_type ty = 99;
    CHECK(err && v8r_object_typeof(err->exception, &ty) == V8R_STATUS_OK && ty == V8R_OBJECT_TYPE_ERROR);
    saved_error = err ? v8r_object_dup(err->exception) : NULL;
    v8r_error_free(err);
    CHECK(saved_error != NULL);
    /* a thrown primitive has no name and no object */
    err = NULL;
    CHECK(v8r_runtime_eval_with(rt, (const uint8_t *)"throw 5", 7, NULL, 0, 0, &v, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && err->name == NULL && err->exception == NULL);
    v8r_error_free(err);
    /* the host's exception object is rethrown as itself */
    CHECK(v8r_runtime_register(rt, "rethrow", rethrow_saved, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_object_set(saved_error, "marked", &(v8r_value){.kind = V8R_KIND_BOOL, .boolean = true}, NULL) ==
          V8R_STATUS_OK);
    CHECK(t_true(rt, "(() => { try { rethrow() } catch (e) { return e.marked && e.constructor.name === 'DbError' && "
                     "e.message === 'no row' } })()"));
    /* a tagged host error keeps its tag through a cause chain */
    CHECK(v8r_runtime_register(rt, "fail", throw_tagged, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(t_true(rt, "(() => { try { fail() } catch (e) { return e instanceof Error && e.message === 'tagged "
                     "failure' } })()"));
    err = NULL;
    src = "try { fail() } catch (e) { throw new TypeError('wrapped', {cause: e}) }";
    CHECK(v8r_runtime_eval_with(rt, (const uint8_t *)src, strlen(src), NULL, 0, 0, &v, &err) ==
          V8R_STATUS_EXCEPTION);
    CHECK(err && err->host_tag == 42 && err->name && strcmp(err->name, "TypeError") == 0);
    CHECK(err && strstr(err->message, "wrapped") && !strstr(err->message, "tagged failure"));
    v8r_error_free(err);
    /* an Error made in JS cannot forge a tag */
    err = NULL;
    src = "const e = new Error('forged'); e.host_tag = 42; throw e";
    CHECK(v8r_runtime_eval_with(rt, (const uint8_t *)src, strlen(src), NULL, 0, 0, &v, &err) ==
          V8R_STATUS_EXCEPTION);
    CHECK(err && err->host_tag == 0);
    v8r_error_free(err);
    /* async rejections: an object reason as itself, a string as a tagged Error */
    CHECK(v8r_runtime_register_async(rt, "later", reject_later, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(t_eval(rt, "later(true)", &v) == V8R_STATUS_OK && v.kind == V8R_KIND_PROMISE);
    err = NULL;
    CHECK(v8r_object_await(v8r_value_get_object(&v), 0, 0, NULL, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && err->name && strcmp(err->name, "DbError") == 0 && err->host_tag == 0);
    v8r_error_free(err);
    v8r_value_release(&v);
    CHECK(t_eval(rt, "later(false)", &v) == V8R_STATUS_OK && v.kind == V8R_KIND_PROMISE);
    err = NULL;
    CHECK(v8r_object_await(v8r_value_get_object(&v), 0, 0, NULL, &err) == V8R_STATUS_EXCEPTION);
    CHECK(err && err->host_tag == 7 && strstr(err->message, "async tagged"));
    v8r_error_free(err);
    v8r_value_release(&v);
    /* a bad reason is refused and the promise stays the caller's */
    CHECK(v8r_promise_reject_value(NULL, NULL) != V8R_STATUS_OK);
    v8r_object_free(saved_error);
    v8r_runtime_free(rt);
}

static void test_object_memory_flat(void) {
    /* A modest heap limit: V8 grows its old generation (where values held
     * across a call end up) up to the limit before it collects, which
     * would show as growth that is not ours. */
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.heap_limit = 32u << 20;
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(&opts, &rt, NULL) == V8R_STATUS_OK);
    size_t base = v8r_object_count();
    const char *src = "({i: Math.random(), pad: 'x'.repeat(100)})";
    long before = 0;
    for (int i = 0; i < 300000; i++) {
        v8r_value v;
        if (v8r_runtime_eval_with(rt, (const uint8_t *)src, strlen(src), NULL, V8R_OBJECTS, 0, &v, NULL) !=
            V8R_STATUS_OK) {
            CHECK(0);
            break;
        }
        v8r_value_release(&v);
        if (i == 100000) before = t_proc_kib("VmRSS");
    }
    long grown = t_proc_kib("VmRSS") - before;
    printf("(RSS %+ld KiB over 200,000 handles) ", grown);
    CHECK(grown < 32 * 1024);
    CHECK(v8r_object_count() == base);
    v8r_runtime_free(rt);
}

void run_object_tests(void) {
    RUN(test_object_properties);
    RUN(test_object_methods);
    RUN(test_object_cycles_and_runtimes);
    RUN(test_promise_await);
    RUN(test_promise_ownership);
    RUN(test_errors_keep_identity);
    RUN(test_object_memory_flat);
}
