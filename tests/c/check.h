/* A tiny test harness for the C tests: CHECK records a failure and goes
 * on; RUN runs one test; the summary line is "N passed, N failed". */
#ifndef V8R_CHECK_H
#define V8R_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defined once, in test_main.c. */
extern int check_failures_in_test;
extern int tests_passed, tests_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures_in_test++;                                            \
        }                                                                        \
    } while (0)

#define CHECK_STR(got, want)                                                     \
    do {                                                                         \
        const char *g_ = (got), *w_ = (want);                                    \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                                 \
            fprintf(stderr, "  %s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
                    g_ ? g_ : "(null)", w_);                                     \
            check_failures_in_test++;                                            \
        }                                                                        \
    } while (0)

#define CHECK_CONTAINS(got, part)                                                \
    do {                                                                         \
        const char *g_ = (got), *p_ = (part);                                    \
        if (g_ == NULL || strstr(g_, p_) == NULL) {                              \
            fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
                    __LINE__, g_ ? g_ : "(null)", p_);                           \
            check_failures_in_test++;                                            \
        }                                                                        \
    } while (0)

#define RUN(test)                                                                \
    do {                                                                         \
        check_failures_in_test = 0;                                              \
        fprintf(stderr, "%-44s", #test);                                         \
        test();                                                                  \
        if (check_failures_in_test) {                                            \
            tests_failed++;                                                      \
            fprintf(stderr, "FAIL\n");                                           \
        } else {                                                                 \
            tests_passed++;                                                      \
            fprintf(stderr, "ok\n");                                             \
        }                                                                        \
    } while (0)

#define SUMMARY()                                                                \
    (printf("%d passed, %d failed\n", tests_passed, tests_failed), tests_failed ? 1 : 0)

#endif
