/* Calls into JS by name and by function reference: typed arguments and
 * results, errors, references that outlive a reassigned global, and
 * references freed after their runtime. */
#define _GNU_SOURCE
#define T_RESOURCE "host.js"
#include "helpers.h"


static void test_runtime_call(void) {
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(NULL, &rt, NULL) == V8R_STATUS_OK);
    CHECK(t_eval(rt, "function add(a, b) { return a + b } function boom() { throw new RangeError('no') }", NULL) == V8R_STATUS_OK);
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
    CHECK(t_eval(rt, "var calls = 0; function mul(a, b) { calls++; return a * b }", NULL) == V8R_STATUS_OK);
    v8r_function *f = NULL;
    CHECK(v8r_runtime_function(rt, "mul", &f, NULL) == V8R_STATUS_OK && f != NULL);
    v8r_value args[2] = {v8r_value_number(6), v8r_value_number(7)}, out;
    for (int i = 0; i < 3; i++) CHECK(v8r_function_call(f, args, 2, 0, &out, NULL) == V8R_STATUS_OK && out.number == 42);
    /* the reference outlives a reassignment of the global */
    CHECK(t_eval(rt, "mul = null", NULL) == V8R_STATUS_OK);
    CHECK(v8r_function_call(f, args, 2, 0, &out, NULL) == V8R_STATUS_OK && out.number == 42);
    CHECK(t_true(rt, "calls === 4"));
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

void run_function_tests(void) {
    RUN(test_runtime_call);
    RUN(test_function_refs);
}
