/* Code cache: a script compiled once loads from its cache in another
 * runtime; stale, foreign or corrupt data is rejected and the script still
 * runs. */
#define _GNU_SOURCE
#define T_RESOURCE "cache.js"
#include "helpers.h"

static const char *lib = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } var loaded = fib(15); loaded";

static v8r_status eval_cached(v8r_runtime *rt, const char *src, const uint8_t *cache, size_t n, v8r_value *v,
                              bool *rejected) {
    return v8r_runtime_eval_cached(rt, (const uint8_t *)src, strlen(src), "lib.js", cache, n, 0, 0, v, rejected,
                                   NULL);
}

static void test_code_cache(void) {
    v8r_runtime *a = t_runtime(0);
    uint8_t *cache = NULL;
    size_t n = 0;
    CHECK(v8r_runtime_code_cache(a, (const uint8_t *)lib, strlen(lib), "lib.js", &cache, &n, NULL) == V8R_STATUS_OK);
    CHECK(cache != NULL && n > 64);
    v8r_runtime_free(a);

    v8r_runtime *b = t_runtime(0);
    v8r_value v;
    bool rejected = true;
    CHECK(eval_cached(b, lib, cache, n, &v, &rejected) == V8R_STATUS_OK && v.number == 610 && !rejected);
    /* another source: rejected, compiled in full */
    const char *other = "var other = 1 + 2; other";
    CHECK(eval_cached(b, other, cache, n, &v, &rejected) == V8R_STATUS_OK && v.number == 3 && rejected);
    /* corrupt or truncated data: the same (fresh runtimes: V8's in-isolate
     * cache would otherwise serve a source compiled before) */
    uint8_t junk[256];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 37);
    v8r_runtime *c = t_runtime(0);
    CHECK(eval_cached(c, lib, junk, sizeof junk, &v, &rejected) == V8R_STATUS_OK && v.number == 610 && rejected);
    v8r_runtime_free(c);
    c = t_runtime(0);
    CHECK(eval_cached(c, lib, cache, n / 2, &v, &rejected) == V8R_STATUS_OK && v.number == 610 && rejected);
    v8r_runtime_free(c);
    CHECK(eval_cached(b, lib, NULL, 0, &v, NULL) == V8R_STATUS_OK && v.number == 610);
    /* errors */
    v8r_error *err = NULL;
    uint8_t *none = NULL;
    CHECK(v8r_runtime_code_cache(b, (const uint8_t *)"var = 1", 7, "bad.js", &none, &n, &err) ==
          V8R_STATUS_SYNTAX_ERROR && none == NULL);
    CHECK(err && err->resource_name && strcmp(err->resource_name, "bad.js") == 0);
    v8r_error_free(err);
    CHECK(eval_cached(b, lib, NULL, 5, &v, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_runtime_code_cache(b, (const uint8_t *)lib, strlen(lib), NULL, NULL, &n, NULL) ==
          V8R_STATUS_BAD_INPUT);
    free(cache);
    v8r_runtime_free(b);
}

void run_code_cache_tests(void) { RUN(test_code_cache); }
