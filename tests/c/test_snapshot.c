/* Startup snapshots: a bootstrap saved as bytes and loaded again, host
 * functions bound again by name, refusals, damaged bytes, and many
 * runtimes from one snapshot at a flat RSS. */
#define _GNU_SOURCE
#define T_RESOURCE "boot.js"
#include "helpers.h"

static int finalized;

static v8r_status twice(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)data;
    result->kind = V8R_KIND_NUMBER;
    result->number = argc > 0 ? 2 * args[0].number : 0;
    return V8R_STATUS_OK;
}

static void count_finalized(void *data) { ++*(int *)data; }

static v8r_runtime *from_snapshot(const v8r_snapshot *s, uint32_t flags) {
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.snapshot = s;
    opts.flags = flags;
    v8r_runtime *rt = NULL;
    v8r_error *err = NULL;
    CHECK(v8r_runtime_new(&opts, &rt, &err) == V8R_STATUS_OK);
    if (err) fprintf(stderr, "  (%s) ", err->message);
    v8r_error_free(err);
    return rt;
}

/* A snapshot of a runtime that ran `src`; NULL (recorded) on failure. */
static v8r_snapshot *make(const char *src) {
    v8r_runtime *rt = t_runtime(V8R_RUNTIME_FOR_SNAPSHOT);
    CHECK(t_eval(rt, src, NULL) == V8R_STATUS_OK);
    v8r_snapshot *s = NULL;
    v8r_error *err = NULL;
    CHECK(v8r_runtime_snapshot(rt, &s, &err) == V8R_STATUS_OK && s != NULL);
    if (err) fprintf(stderr, "  (%s) ", err->message);
    v8r_error_free(err);
    return s;
}

static void test_snapshot_round_trip_and_host_functions(void) {
    v8r_runtime *rt = t_runtime(V8R_RUNTIME_FOR_SNAPSHOT);
    finalized = 0;
    CHECK(v8r_runtime_register(rt, "twice", twice, &finalized, count_finalized, NULL) == V8R_STATUS_OK);
    CHECK(t_eval(rt,
                 "var counter = 41; class Shape { area() { return 6 } };"
                 "globalThis.shape = new Shape(); const keep = { twice };"
                 "globalThis.viaHost = (x) => keep.twice(x) + 1;"
                 "globalThis.table = new Map([['a', new Uint8Array([1, 2, 3])]]); viaHost(1)",
                 NULL) == V8R_STATUS_OK);
    v8r_snapshot *made = NULL;
    CHECK(v8r_runtime_snapshot(rt, &made, NULL) == V8R_STATUS_OK && made != NULL);
    /* the creator is gone, its host function's data released */
    CHECK(finalized == 1);
    v8r_value v;
    CHECK(t_eval(rt, "1", &v) == V8R_STATUS_CLOSED);

    /* through bytes, as another process would load them */
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK(v8r_snapshot_data(made, &data, &len) == V8R_STATUS_OK && data && len > 1000);
    uint8_t *copy = malloc(len);
    memcpy(copy, data, len);
    v8r_snapshot_free(made);
    v8r_snapshot *s = NULL;
    CHECK(v8r_snapshot_load(copy, len, &s, NULL) == V8R_STATUS_OK && s != NULL);
    free(copy);

    for (int i = 0; i < 3; i++) {
        v8r_runtime *r = from_snapshot(s, i == 2 ? V8R_RUNTIME_ANY_THREAD : 0);
        CHECK(t_true(r, "++counter === 42 && shape.area() === 6 && table.get('a')[2] === 3"));
        CHECK(t_true(r, "typeof TextEncoder === 'function' && typeof WebAssembly === 'object'"));
        v8r_error *err = NULL;
        CHECK(v8r_runtime_eval(r, (const uint8_t *)"viaHost(2)", 10, "t.js", 0, &v, &err) == V8R_STATUS_EXCEPTION);
        CHECK(err && strstr(err->message, "\"twice\" is not bound"));
        v8r_error_free(err);
        CHECK(v8r_runtime_register(r, "twice", twice, NULL, NULL, NULL) == V8R_STATUS_OK);
        CHECK(t_eval(r, "viaHost(20)", &v) == V8R_STATUS_OK && v.number == 41);
        CHECK(t_eval(r, "globalThis.order = []; setTimeout(() => order.push(1), 1); 0", NULL) == V8R_STATUS_OK);
        CHECK(t_run(r) == V8R_STATUS_OK && t_true(r, "order.length === 1"));
        v8r_runtime_free(r);
    }
    v8r_snapshot_free(s);
    CHECK(v8r_snapshot_count() == 0);
}

static void test_snapshot_refusals(void) {
    v8r_error *err = NULL;
    v8r_snapshot *s = (v8r_snapshot *)1;
    /* a runtime not made for it */
    v8r_runtime *plain = t_runtime(0);
    CHECK(v8r_runtime_snapshot(plain, &s, &err) == V8R_STATUS_BAD_INPUT && s == NULL);
    CHECK(err && strstr(err->message, "not created for one"));
    v8r_error_free(err);
    CHECK(t_true(plain, "1 + 1 === 2"));
    v8r_runtime_free(plain);

    /* a pending timer: refused, the runtime goes on */
    v8r_runtime *rt = t_runtime(V8R_RUNTIME_FOR_SNAPSHOT);
    CHECK(t_eval(rt, "globalThis.t = setTimeout(() => {}, 60000)", NULL) == V8R_STATUS_OK);
    err = NULL;
    CHECK(v8r_runtime_snapshot(rt, &s, &err) == V8R_STATUS_BAD_INPUT && s == NULL);
    CHECK(err && strstr(err->message, "timers or immediates are pending"));
    v8r_error_free(err);
    CHECK(t_true(rt, "(clearTimeout(t), true)"));
    /* V8 makes no code cache in a creator (it would abort the process) */
    uint8_t *cache = NULL;
    size_t n = 0;
    CHECK(v8r_runtime_code_cache(rt, (const uint8_t *)"1", 1, NULL, &cache, &n, NULL) == V8R_STATUS_BAD_INPUT);
    /* a snapshot is made from the built-in environment only */
    v8r_snapshot *base = make("var base = 1");
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.flags = V8R_RUNTIME_FOR_SNAPSHOT;
    opts.snapshot = base;
    v8r_runtime *nested = NULL;
    CHECK(v8r_runtime_new(&opts, &nested, NULL) == V8R_STATUS_BAD_INPUT && nested == NULL);
    v8r_snapshot_free(base);
    CHECK(v8r_runtime_snapshot(rt, &s, NULL) == V8R_STATUS_OK && s != NULL);
    v8r_snapshot_free(s);
    /* a freed or bogus handle */
    CHECK(v8r_runtime_snapshot(rt, &s, NULL) == V8R_STATUS_CLOSED);
    CHECK(v8r_runtime_snapshot(NULL, &s, NULL) != V8R_STATUS_OK);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_CLOSED);
}

static void test_snapshot_bad_bytes(void) {
    v8r_snapshot *good = make("var x = [1, 2, 3]");
    const uint8_t *data = NULL;
    size_t len = 0;
    CHECK(v8r_snapshot_data(good, &data, &len) == V8R_STATUS_OK);
    uint8_t *bytes = malloc(len);
    memcpy(bytes, data, len);
    v8r_snapshot *s = (v8r_snapshot *)1;
    v8r_error *err = NULL;
    CHECK(v8r_snapshot_load(NULL, 0, &s, &err) == V8R_STATUS_BAD_INPUT && s == NULL);
    CHECK(err && strstr(err->message, "not a usable v8runner snapshot"));
    v8r_error_free(err);
    CHECK(v8r_snapshot_load(NULL, 10, &s, NULL) == V8R_STATUS_BAD_INPUT);
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 131 + 7);
    CHECK(v8r_snapshot_load(junk, sizeof junk, &s, NULL) == V8R_STATUS_BAD_INPUT && s == NULL);
    CHECK(v8r_snapshot_load(bytes, len / 2, &s, NULL) == V8R_STATUS_BAD_INPUT);
    /* every region: one flipped bit is caught */
    size_t at[] = {3, 10, 15, 22, 40, len / 2, len - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        bytes[at[i]] ^= 0x10;
        err = NULL;
        CHECK(v8r_snapshot_load(bytes, len, &s, &err) == V8R_STATUS_BAD_INPUT && s == NULL);
        v8r_error_free(err);
        bytes[at[i]] ^= 0x10;
    }
    CHECK(v8r_snapshot_load(bytes, len, &s, NULL) == V8R_STATUS_OK);
    v8r_snapshot_free(s);
    free(bytes);
    v8r_snapshot_free(good);
    v8r_snapshot_free(NULL);
    CHECK(v8r_snapshot_data(NULL, &data, &len) == V8R_STATUS_BAD_INPUT);
}

/* Runtimes made from one snapshot share it: a thousand of them, one after
 * another, leave RSS where a hundred left it. */
static void test_many_runtimes_from_one_snapshot(void) {
    v8r_snapshot *s = make("globalThis.big = Array.from({ length: 50000 }, (_, i) => ({ i, s: 'x' + i })); 0");
#ifdef __SANITIZE_ADDRESS__
    int total = 100, base = 20;
#else
    int total = 1000, base = 100;
#endif
    long before = 0;
    for (int i = 0; i < total; i++) {
        if (i == base) before = t_proc_kib("VmRSS");
        v8r_runtime *rt = from_snapshot(s, 0);
        if (i % 97 == 0) CHECK(t_true(rt, "big.length === 50000 && big[49999].s === 'x49999'"));
        v8r_runtime_free(rt);
    }
    long growth = t_proc_kib("VmRSS") - before;
    printf("(RSS +%ld KiB over %d runtimes) ", growth, total - base);
#ifndef __SANITIZE_ADDRESS__
    CHECK(growth < 16 * 1024);
#endif
    v8r_snapshot_free(s);
}

void run_snapshot_tests(void) {
    RUN(test_snapshot_round_trip_and_host_functions);
    RUN(test_snapshot_refusals);
    RUN(test_snapshot_bad_bytes);
    RUN(test_many_runtimes_from_one_snapshot);
}
