/* V8 in the process: it starts without taking signal handlers from the
 * host (checked in a fresh child, from before V8 starts), and an
 * address-space limit (ulimit -v) gives errors, never an abort. */
#define _GNU_SOURCE
#include "helpers.h"

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

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
    rl.rlim_cur = ((unsigned long)t_proc_kib("VmSize") << 10) + (2UL << 30);
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

/* V8 shares one read-only heap in a process: isolates from the built-in
 * snapshot, a host's snapshot and the one-shot pool, made in any order. */
static int isolate_order_child(void) {
    int fails = 0;
    v8r_runtime *rt = NULL;
    for (int round = 0; round < 2; round++) {
        if (v8r_runtime_new(NULL, &rt, NULL) != V8R_STATUS_OK) return 10;
        v8r_runtime_free(rt);
        char *s = runv8("typeof setTimeout + (6 * 7)"); /* a new pool isolate, a bare context */
        if (!s || strcmp(s, "undefined42") != 0) fails++, fprintf(stderr, "runv8: %s\n", s ? s : v8r_last_error());
        free(s);
        v8r_runtime_options opts;
        v8r_runtime_options_init(&opts);
        opts.flags = V8R_RUNTIME_FOR_SNAPSHOT;
        if (v8r_runtime_new(&opts, &rt, NULL) != V8R_STATUS_OK) return 11;
        v8r_snapshot *snap = NULL;
        if (v8r_runtime_snapshot(rt, &snap, NULL) != V8R_STATUS_OK) return 12;
        opts.flags = 0;
        opts.snapshot = snap;
        if (v8r_runtime_new(&opts, &rt, NULL) != V8R_STATUS_OK) return 13;
        v8r_runtime_free(rt);
        v8r_snapshot_free(snap);
    }
    return fails;
}

static void test_isolates_from_every_snapshot_in_any_order(void) { CHECK(run_child("--isolate-order-child") == 0); }

/* Exits normally (not killed by V8's abort) with no failure. */
static void test_address_space_limit(void) { CHECK(run_child("--address-space-child") == 0); }

/* The library says which version runs: the header's, and the V8 inside. */
static void test_versions(void) {
    char header[32];
    snprintf(header, sizeof header, "%d.%d.%d", V8RUNNER_VERSION_MAJOR, V8RUNNER_VERSION_MINOR, V8RUNNER_VERSION_PATCH);
    CHECK_STR(v8r_version(), header);
    CHECK_STR(v8r_version(), V8RUNNER_VERSION);
    /* "15.2.124.1-rusty": the V8 of the v8 crate this library is built on */
    CHECK(strncmp(v8r_v8_version(), "15.2.", 5) == 0);
    CHECK(v8r_v8_version() == v8r_v8_version()); /* static: never freed */
}

/* This binary run again as a child process (run_child): the mode's exit
 * code, or -1 when argv names no child mode. */
int platform_child(int argc, char **argv) {
    if (argc < 2) return -1;
    if (strcmp(argv[1], "--address-space-child") == 0) return address_space_child();
    if (strcmp(argv[1], "--signals-child") == 0) return signals_child();
    if (strcmp(argv[1], "--isolate-order-child") == 0) return isolate_order_child();
    return -1;
}

void run_platform_tests(void) {
    RUN(test_versions);
    RUN(test_no_signal_handlers);
    RUN(test_isolates_from_every_snapshot_in_any_order);
#ifndef __SANITIZE_ADDRESS__ /* ASan reserves terabytes of shadow memory itself */
    RUN(test_address_space_limit);
#endif
}
