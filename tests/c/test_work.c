/* The thread-pool work queue: re-queue chains, cancel before and after the
 * work starts, free with requests pending. */
#define _GNU_SOURCE
#define T_RESOURCE "async.js"
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>

struct chain {
    v8r_runtime *rt;
    int steps, target;
    long sum;
    pthread_t loop_thread;
    int wrong_thread, errors;
};

static void chain_work(void *data) {
    struct chain *c = data;
    c->sum += c->steps; /* pool thread; the loop thread waits for after */
}

static void chain_after(v8r_work *req, v8r_status status, void *data) {
    struct chain *c = data;
    (void)req;
    if (!pthread_equal(pthread_self(), c->loop_thread)) c->wrong_thread++;
    if (status != V8R_STATUS_OK) c->errors++;
    c->steps++;
    char src[64];
    snprintf(src, sizeof src, "progress.push(%d)", c->steps);
    if (v8r_runtime_eval(c->rt, (const uint8_t *)src, strlen(src), NULL, 0, NULL, NULL) != V8R_STATUS_OK) c->errors++;
    if (c->steps < c->target && v8r_queue_work(c->rt, chain_work, chain_after, c, NULL, NULL) != V8R_STATUS_OK)
        c->errors++;
}

static void test_work_requeue_chain(void) {
    struct chain c = {t_runtime(0), 0, 1000, 0, pthread_self(), 0, 0};
    CHECK(t_eval(c.rt, "var progress = []", NULL) == V8R_STATUS_OK);
    v8r_work *req = NULL;
    CHECK(v8r_queue_work(c.rt, chain_work, chain_after, &c, &req, NULL) == V8R_STATUS_OK && req != NULL);
    bool alive = true;
    CHECK(v8r_runtime_run(c.rt, 0, 0, &alive, NULL) == V8R_STATUS_OK);
    CHECK(!alive);
    CHECK(c.steps == 1000 && c.errors == 0 && c.wrong_thread == 0);
    CHECK(c.sum == 999L * 1000 / 2);
    CHECK(t_true(c.rt, "progress.length === 1000 && progress[999] === 1000"));
    CHECK(v8r_cancel_work(req) == V8R_STATUS_CLOSED); /* long completed */
    CHECK(v8r_queue_work(c.rt, NULL, chain_after, &c, NULL, NULL) == V8R_STATUS_BAD_INPUT);
    v8r_runtime_free(c.rt);
}

/* Blockers occupy every pool thread so later work stays queued. */
static atomic_int release_blockers, blockers_started;
static void blocker_work(void *data) {
    (void)data;
    atomic_fetch_add(&blockers_started, 1);
    while (!atomic_load(&release_blockers)) t_sleep_ms(1);
}

struct outcome {
    int calls;
    v8r_status status;
};
static void record_after(v8r_work *req, v8r_status status, void *data) {
    (void)req;
    struct outcome *o = data;
    o->calls++;
    o->status = status;
}
static int target_ran;
static void target_work(void *data) {
    (void)data;
    target_ran++;
}

#define T_POOL_THREADS 2
static void test_work_cancel(void) {
    v8r_runtime *rt = t_runtime(0);
    atomic_store(&release_blockers, 0);
    atomic_store(&blockers_started, 0);
    struct outcome blockers[T_POOL_THREADS] = {{0}}, target = {0};
    v8r_work *breq[T_POOL_THREADS], *treq = NULL;
    for (int i = 0; i < T_POOL_THREADS; i++) CHECK(v8r_queue_work(rt, blocker_work, record_after, &blockers[i], &breq[i], NULL) == V8R_STATUS_OK);
    while (atomic_load(&blockers_started) < T_POOL_THREADS) t_sleep_ms(1);
    target_ran = 0;
    CHECK(v8r_queue_work(rt, target_work, record_after, &target, &treq, NULL) == V8R_STATUS_OK);
    CHECK(v8r_cancel_work(treq) == V8R_STATUS_OK);          /* queued: canceled */
    CHECK(v8r_cancel_work(breq[0]) == V8R_STATUS_BUSY);     /* running: too late */
    atomic_store(&release_blockers, 1);
    CHECK(v8r_runtime_run(rt, 0, 0, NULL, NULL) == V8R_STATUS_OK);
    CHECK(target.calls == 1 && target.status == V8R_STATUS_CANCELED && target_ran == 0);
    for (int i = 0; i < T_POOL_THREADS; i++) CHECK(blockers[i].calls == 1 && blockers[i].status == V8R_STATUS_OK);
    CHECK(v8r_set_threadpool_size(8) == V8R_STATUS_BUSY); /* the pool already runs */
    CHECK(v8r_set_threadpool_size(0) == V8R_STATUS_BAD_INPUT);
    v8r_runtime_free(rt);
}

static void *release_later(void *arg) {
    (void)arg;
    t_sleep_ms(50);
    atomic_store(&release_blockers, 1);
    return NULL;
}

static void test_work_free_with_pending(void) {
    v8r_runtime *rt = t_runtime(0);
    atomic_store(&release_blockers, 0);
    atomic_store(&blockers_started, 0);
    struct outcome blockers[T_POOL_THREADS] = {{0}}, queued[3] = {{0}};
    for (int i = 0; i < T_POOL_THREADS; i++) CHECK(v8r_queue_work(rt, blocker_work, record_after, &blockers[i], NULL, NULL) == V8R_STATUS_OK);
    while (atomic_load(&blockers_started) < T_POOL_THREADS) t_sleep_ms(1);
    target_ran = 0;
    for (int i = 0; i < 3; i++) CHECK(v8r_queue_work(rt, target_work, record_after, &queued[i], NULL, NULL) == V8R_STATUS_OK);
    pthread_t th;
    pthread_create(&th, NULL, release_later, NULL);
    CHECK(v8r_runtime_free(rt) == V8R_STATUS_OK); /* waits for the running blockers */
    pthread_join(th, NULL);
    for (int i = 0; i < T_POOL_THREADS; i++) CHECK(blockers[i].calls == 1 && blockers[i].status == V8R_STATUS_CANCELED);
    for (int i = 0; i < 3; i++) CHECK(queued[i].calls == 1 && queued[i].status == V8R_STATUS_CANCELED);
    CHECK(target_ran == 0);
}

void run_work_tests(void) {
    RUN(test_work_requeue_chain);
    RUN(test_work_cancel);
    RUN(test_work_free_with_pending);
}
