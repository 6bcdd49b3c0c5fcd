/* The C tests of the v8runner header, one file per concept (test_*.c), in
 * one binary; also run under AddressSanitizer (make test-asan). */
#define _GNU_SOURCE
#include "helpers.h"

int check_failures_in_test;
int tests_passed, tests_failed;

void run_runv8_tests(void);       /* test_runv8.c */
void run_platform_tests(void);    /* test_platform.c */
void run_runtime_tests(void);     /* test_runtime.c */
void run_calls_tests(void);       /* test_calls.c */
void run_event_loop_tests(void);  /* test_event_loop.c */
void run_notifier_tests(void);    /* test_notifier.c */
void run_work_tests(void);        /* test_work.c */
void run_host_tests(void);        /* test_host.c */
void run_function_tests(void);    /* test_function.c */
void run_object_tests(void);      /* test_object.c */
void run_async_hooks_tests(void); /* test_async_hooks.c */
void run_module_tests(void);      /* test_module.c */
void run_code_cache_tests(void);  /* test_code_cache.c */
void run_snapshot_tests(void);    /* test_snapshot.c */
void run_observe_tests(void);     /* test_observe.c */
int platform_child(int argc, char **argv);

int main(int argc, char **argv) {
    int child = platform_child(argc, argv);
    if (child >= 0) return child;
    /* Before anything can start the pool (see T_POOL_THREADS). */
    CHECK(v8r_set_threadpool_size(T_POOL_THREADS) == V8R_STATUS_OK);
    run_runv8_tests();
    run_platform_tests();
    run_runtime_tests();
    run_calls_tests();
    run_event_loop_tests();
    run_notifier_tests();
    run_work_tests();
    run_host_tests();
    run_function_tests();
    run_object_tests();
    run_async_hooks_tests();
    run_module_tests();
    run_code_cache_tests();
    run_snapshot_tests();
    run_observe_tests();
    return SUMMARY();
}
