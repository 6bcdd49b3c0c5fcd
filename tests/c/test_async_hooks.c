/* Async hooks and async context: exact event order per resource type,
 * Node's enable/disable rule, type filters, re-entrant and throwing
 * hooks, C and JS hook sets together, AsyncLocalStorage across every kind
 * of hop, and long stack traces. */
#define _GNU_SOURCE
#define T_RESOURCE "hooks.js"
#include "helpers.h"

#include <stdarg.h>

/* A C hook set that writes its events into a buffer, one per line. */
struct trace {
    char buf[8192];
    size_t len;
};

static void add(struct trace *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n > 0 && t->len + (size_t)n < sizeof t->buf) t->len += (size_t)n;
}

static void on_init(void *d, uint64_t id, uint32_t type, uint64_t trigger) {
    add(d, "init %s %llu<-%llu\n", v8r_async_type_name(type), (unsigned long long)id, (unsigned long long)trigger);
}
static void on_before(void *d, uint64_t id) { add(d, "before %llu\n", (unsigned long long)id); }
static void on_after(void *d, uint64_t id) { add(d, "after %llu\n", (unsigned long long)id); }
static void on_destroy(void *d, uint64_t id) { add(d, "destroy %llu\n", (unsigned long long)id); }
static void on_resolve(void *d, uint64_t id) { add(d, "resolve %llu\n", (unsigned long long)id); }

static uint32_t trace_hooks(v8r_runtime *rt, struct trace *t, uint32_t types) {
    v8r_async_hooks h = {on_init, on_before, on_after, on_destroy, on_resolve, types, t, NULL};
    uint32_t id = 0;
    CHECK(v8r_async_hooks_add(rt, &h, &id, NULL) == V8R_STATUS_OK);
    CHECK(v8r_async_hooks_enable(rt, id, true, NULL) == V8R_STATUS_OK);
    return id;
}

/* Errors reported by the runtime, collected. */
struct errors {
    char buf[4096];
    size_t len;
    int count;
};

static void on_error(void *d, const v8r_error *err) {
    struct errors *e = d;
    e->count++;
    int n = snprintf(e->buf + e->len, sizeof e->buf - e->len, "%s\n%s\n", err->message, err->stack ? err->stack : "");
    if (n > 0 && e->len + (size_t)n < sizeof e->buf) e->len += (size_t)n;
}

static v8r_runtime *new_rt(struct errors *errs) {
    v8r_runtime_options o;
    v8r_runtime_options_init(&o);
    if (errs) {
        o.on_error = on_error;
        o.on_error_data = errs;
    }
    v8r_runtime *rt = NULL;
    CHECK(v8r_runtime_new(&o, &rt, NULL) == V8R_STATUS_OK);
    return rt;
}

static v8r_status js(v8r_runtime *rt, const char *src) { return t_eval(rt, src, NULL); }

/* Timers and immediates: init of a child between before and after of its
 * parent; a one-shot is destroyed after its callback; clearTimeout
 * destroys without a callback; an interval cleared in its own callback is
 * destroyed after that callback's after. Ids start at 2 (1 is the root). */
static void test_hooks_timers_order(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, 0);
    CHECK(js(rt, "setTimeout(() => { setImmediate(() => {}) }, 1);"
                 "clearTimeout(setTimeout(() => {}, 5));"
                 "let n = 0; const iv = setInterval(() => { if (++n === 2) clearInterval(iv) }, 50);") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    CHECK_STR(t.buf,
              "init Timeout 2<-1\n"
              "init Timeout 3<-1\n"
              "destroy 3\n"
              "init Interval 4<-1\n"
              "before 2\n"
              "init Immediate 5<-2\n"
              "after 2\n"
              "destroy 2\n"
              "before 5\n"
              "after 5\n"
              "destroy 5\n"
              "before 4\n"
              "after 4\n"
              "before 4\n"
              "after 4\n"
              "destroy 4\n");
    v8r_runtime_free(rt);
}

/* Microtasks and promises: a promise's trigger is its parent promise. */
static void test_hooks_microtasks_and_promises(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, V8R_ASYNC_TYPE_MICROTASK | V8R_ASYNC_TYPE_PROMISE);
    CHECK(js(rt, "queueMicrotask(() => {}); Promise.resolve(1).then(() => {});") == V8R_STATUS_OK);
    CHECK_STR(t.buf,
              "init Microtask 2<-1\n"
              "init PROMISE 3<-1\n"
              "resolve 3\n"
              "init PROMISE 4<-3\n"
              "before 2\n"
              "after 2\n"
              "destroy 2\n"
              "before 4\n"
              "resolve 4\n"
              "after 4\n");
    v8r_runtime_free(rt);
}

/* A set with a destroy hook hears of a tracked promise's collection (from
 * the loop, once the GC took it). */
static void test_hooks_promise_destroy(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, V8R_ASYNC_TYPE_PROMISE);
    CHECK(js(rt, "var gone = [], rounds = 0;"
                 "asyncHooks.createHook({ types: ['PROMISE'], destroy(id) { gone.push(id) } }).enable();"
                 "Promise.resolve(1).then(() => {});"
                 "var keep = [];" /* garbage that lives a few rounds reaches the old generation: full GCs */
                 "(function churn() { let junk = []; for (let i = 0; i < 100000; i++) junk.push({ i });"
                 "  keep.push(junk); if (keep.length > 4) keep.shift();"
                 "  if (gone.length < 2 && ++rounds < 500) setTimeout(churn, 0) })();") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    char buf[64];
    CHECK_STR(t_str(rt, "String(gone.sort())", buf, sizeof buf), "2,3");
    CHECK_CONTAINS(t.buf, "destroy 2\n");
    CHECK_CONTAINS(t.buf, "destroy 3\n");
    v8r_runtime_free(rt);
}

/* Work, notifiers and host promises. */
static void work_noop(void *data) { (void)data; }
static void after_noop(v8r_work *req, v8r_status status, void *data) {
    (void)req;
    (void)data;
    CHECK(status == V8R_STATUS_OK);
}

static void host_async_resolve(void *data, const v8r_value *args, size_t argc, v8r_promise *promise) {
    (void)data;
    (void)args;
    (void)argc;
    v8r_value v = v8r_value_number(7);
    CHECK(v8r_promise_resolve(promise, &v) == V8R_STATUS_OK);
}

/* A host function that queues work from inside a JS call (so the work's
 * init fires at once, triggered by the running callback). */
static v8r_status host_queue(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)args;
    (void)argc;
    (void)result;
    CHECK(v8r_queue_work(data, work_noop, after_noop, NULL, NULL, NULL) == V8R_STATUS_OK);
    return V8R_STATUS_OK;
}

static void test_hooks_work_notifier_host_promise(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, V8R_ASYNC_TYPE_WORK | V8R_ASYNC_TYPE_NOTIFIER | V8R_ASYNC_TYPE_HOST_PROMISE);
    CHECK(v8r_runtime_register_async(rt, "later", host_async_resolve, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register(rt, "queue", host_queue, rt, NULL, NULL) == V8R_STATUS_OK);
    /* Queued from top-level C (no JS running): init waits for the loop. */
    CHECK(v8r_queue_work(rt, work_noop, after_noop, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(js(rt, "var got = []; function cb(x) { got.push(x) } later(); queue();") == V8R_STATUS_OK);
    v8r_notifier *n = NULL;
    CHECK(v8r_notifier_new(rt, "cb", NULL, NULL, NULL, 0, &n, NULL) == V8R_STATUS_OK);
    v8r_value a = v8r_value_number(1), b = v8r_value_number(2);
    CHECK(v8r_notifier_send(n, &a, 0) == V8R_STATUS_OK);
    CHECK(v8r_notifier_send(n, &b, 0) == V8R_STATUS_OK);
    CHECK(v8r_notifier_close(n) == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    /* Ids: work 2 (top-level), host promise 3, work 4 (from queue()),
     * notifier 5. Completion order of the two works may vary; check each
     * resource's own sequence and the triggers. */
    CHECK_CONTAINS(t.buf, "init HostPromise 3<-1\ninit Work 4<-1\n");
    CHECK_CONTAINS(t.buf, "before 3\nafter 3\ndestroy 3\n");
    CHECK_CONTAINS(t.buf, "init Work 2<-1\nbefore 2\nafter 2\ndestroy 2\n");
    CHECK_CONTAINS(t.buf, "before 4\nafter 4\ndestroy 4\n");
    CHECK_CONTAINS(t.buf, "init Notifier 5<-1\nbefore 5\nafter 5\nbefore 5\nafter 5\ndestroy 5\n");
    char buf[64];
    CHECK_STR(t_str(rt, "JSON.stringify(got)", buf, sizeof buf), "[1,2]");
    v8r_notifier_free(n);
    v8r_runtime_free(rt);
}

/* Node's rule: every event goes to the sets enabled when it happens. A
 * disabled set hears nothing more (not even of resources whose init it
 * saw); a set enabled later hears the callbacks and destroys of resources
 * created before it. Filters by type. */
static void test_hooks_disable_rule_and_filters(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace all = {{0}, 0}, timeouts = {{0}, 0}, late = {{0}, 0};
    uint32_t a = trace_hooks(rt, &all, 0);
    trace_hooks(rt, &timeouts, V8R_ASYNC_TYPE_TIMEOUT);
    CHECK(js(rt, "setTimeout(() => {}, 1); setImmediate(() => {});") == V8R_STATUS_OK);
    CHECK(v8r_async_hooks_enable(rt, a, false, NULL) == V8R_STATUS_OK);
    CHECK(js(rt, "setTimeout(() => {}, 1);") == V8R_STATUS_OK);
    trace_hooks(rt, &late, 0);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    CHECK_STR(all.buf, "init Timeout 2<-1\ninit Immediate 3<-1\n");
    CHECK_STR(timeouts.buf,
              "init Timeout 2<-1\n"
              "init Timeout 4<-1\n"
              "before 2\nafter 2\ndestroy 2\n"
              "before 4\nafter 4\ndestroy 4\n");
    /* (The immediate may run before the timers are due.) */
    CHECK(strstr(late.buf, "init") == NULL);
    CHECK_CONTAINS(late.buf, "before 2\nafter 2\ndestroy 2\n");
    CHECK_CONTAINS(late.buf, "before 3\nafter 3\ndestroy 3\n");
    CHECK_CONTAINS(late.buf, "before 4\nafter 4\ndestroy 4\n");
    CHECK(strlen(late.buf) == 3 * strlen("before 2\nafter 2\ndestroy 2\n"));
    CHECK(v8r_async_hooks_enable(rt, 99, true, NULL) == V8R_STATUS_BAD_INPUT);
    char buf[128];
    CHECK_STR(t_str(rt, "['Nope', 'toString'].map(t => { try { asyncHooks.createHook({ types: [t] }); return 'ok' }"
                         " catch (e) { return e.message } }).join('; ')", buf, sizeof buf),
              "unknown async resource type 'Nope'; unknown async resource type 'toString'");
    v8r_async_hooks bad = {0};
    bad.types = 1u << 20;
    uint32_t id;
    CHECK(v8r_async_hooks_add(rt, &bad, &id, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_async_hooks_add(rt, NULL, &id, NULL) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_async_hooks_add(NULL, &bad, &id, NULL) == V8R_STATUS_BAD_INPUT);
    v8r_runtime_free(rt);
}

/* JS hooks that schedule, log and throw: no recursion, no lost ids, each
 * exception reported through the error channel; the loop goes on. */
static void test_hooks_reentrant_and_throwing(void) {
    struct errors errs = {{0}, 0, 0};
    v8r_runtime *rt = new_rt(&errs);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, V8R_ASYNC_TYPE_TIMEOUT);
    CHECK(js(rt, "var seen = []; var ran = 0;"
                 "asyncHooks.createHook({"
                 "  init(id, type) { seen.push(type + id); setTimeout(() => {}, 1); console.log('init', id) },"
                 "  before(id) { throw new Error('hook broke ' + id) },"
                 "}).enable();"
                 "setTimeout(() => { ran++; setTimeout(() => { ran++ }, 1) }, 1);") == V8R_STATUS_OK);
    v8r_status st = t_run(rt);
    CHECK(st == V8R_STATUS_EXCEPTION); /* the first reported error */
    char buf[256];
    /* The hook's own timers (ids 3 and 6) are resources without hooks. */
    CHECK_STR(t_str(rt, "ran + ' ' + seen.join(',') + ' ' + asyncHooks.executionAsyncId()", buf, sizeof buf),
              "2 Timeout2,Timeout4 1");
    CHECK(errs.count == 2);
    CHECK_CONTAINS(errs.buf, "async hook threw: Error: hook broke 2");
    CHECK_CONTAINS(errs.buf, "async hook threw: Error: hook broke 4");
    CHECK_STR(t.buf,
              "init Timeout 2<-1\n"
              "before 2\n"
              "init Timeout 4<-2\n"
              "after 2\n"
              "destroy 2\n"
              "before 4\n"
              "after 4\n"
              "destroy 4\n");
    v8r_runtime_free(rt);
}

/* A C hook that calls into the runtime and schedules more work: the timer
 * it makes is a resource without hooks, so nothing recurses. */
static void reentering_init(void *rt, uint64_t id, uint32_t type, uint64_t trigger) {
    (void)id;
    (void)type;
    (void)trigger;
    CHECK(js(rt, "inits++; setTimeout(() => { hookTimersRan++ }, 1)") == V8R_STATUS_OK);
}

static void test_c_hook_reenters(void) {
    v8r_runtime *rt = new_rt(NULL);
    CHECK(js(rt, "var inits = 0, hookTimersRan = 0, ran = 0") == V8R_STATUS_OK);
    v8r_async_hooks h = {reentering_init, NULL, NULL, NULL, NULL, V8R_ASYNC_TYPE_TIMEOUT, rt, NULL};
    uint32_t set;
    CHECK(v8r_async_hooks_add(rt, &h, &set, NULL) == V8R_STATUS_OK);
    CHECK(v8r_async_hooks_enable(rt, set, true, NULL) == V8R_STATUS_OK);
    CHECK(js(rt, "setTimeout(() => { ran++; setTimeout(() => { ran++ }, 1) }, 1)") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    char buf[64];
    CHECK_STR(t_str(rt, "`${inits} ${hookTimersRan} ${ran}`", buf, sizeof buf), "2 2 2");
    v8r_runtime_free(rt);
}

/* executionAsyncId/triggerAsyncId from C inside a callback, and from JS. */
static void after_ids(v8r_work *req, v8r_status status, void *data) {
    (void)req;
    (void)status;
    uint64_t ids[2] = {0, 0};
    CHECK(v8r_async_ids(data, &ids[0], &ids[1]) == V8R_STATUS_OK);
    char src[128];
    snprintf(src, sizeof src, "ids.push('%llu/%llu', asyncHooks.executionAsyncId() + '/' + asyncHooks.triggerAsyncId())",
             (unsigned long long)ids[0], (unsigned long long)ids[1]);
    CHECK(js(data, src) == V8R_STATUS_OK);
}

static v8r_status host_queue_ids(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)args;
    (void)argc;
    (void)result;
    CHECK(v8r_queue_work(data, work_noop, after_ids, data, NULL, NULL) == V8R_STATUS_OK);
    return V8R_STATUS_OK;
}

static void test_async_ids(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, 0);
    uint64_t e = 0, g = 9;
    CHECK(v8r_async_ids(rt, &e, &g) == V8R_STATUS_OK && e == 1 && g == 0);
    CHECK(v8r_async_ids(NULL, &e, &g) == V8R_STATUS_BAD_INPUT);
    CHECK(v8r_runtime_register(rt, "queueIds", host_queue_ids, rt, NULL, NULL) == V8R_STATUS_OK);
    CHECK(js(rt, "var ids = [asyncHooks.executionAsyncId() + '/' + asyncHooks.triggerAsyncId()];"
                 "setTimeout(() => queueIds(), 1);") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    char buf[128];
    /* Timeout 2 (trigger 1) queues Work 3 (trigger 2). */
    CHECK_STR(t_str(rt, "ids.join(' ')", buf, sizeof buf), "1/0 3/2 3/2");
    CHECK_STR(v8r_async_type_name(V8R_ASYNC_TYPE_HOST_PROMISE), "HostPromise");
    CHECK(v8r_async_type_name(3) == NULL);
    v8r_runtime_free(rt);
}

/* C and JS hook sets on one runtime see the same events. */
static void test_hooks_c_and_js_together(void) {
    v8r_runtime *rt = new_rt(NULL);
    struct trace t = {{0}, 0};
    trace_hooks(rt, &t, V8R_ASYNC_TYPE_TIMEOUT | V8R_ASYNC_TYPE_IMMEDIATE);
    CHECK(js(rt, "var log = [];"
                 "asyncHooks.createHook({ types: ['Timeout', 'Immediate'],"
                 "  init(id, type, trigger, resource) { log.push(`init ${type} ${id}<-${trigger}${resource instanceof Object ? '' : '!'}`) },"
                 "  before(id) { log.push('before ' + id) }, after(id) { log.push('after ' + id) },"
                 "  destroy(id) { log.push('destroy ' + id) } }).enable();"
                 "setTimeout(() => setImmediate(() => {}), 1);") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    char buf[1024];
    t_str(rt, "log.join('\\n') + '\\n'", buf, sizeof buf);
    CHECK_STR(buf, t.buf);
    CHECK_STR(t.buf, "init Timeout 2<-1\nbefore 2\ninit Immediate 3<-2\nafter 2\ndestroy 2\nbefore 3\nafter 3\ndestroy 3\n");
    v8r_runtime_free(rt);
}

/* AsyncLocalStorage across timers, immediates, microtasks, await, work
 * after-callbacks, notifier deliveries and host promises; two interleaved
 * chains never mix. */
static void after_store(v8r_work *req, v8r_status status, void *data) {
    (void)req;
    (void)status;
    CHECK(js(data, "seen.push('work:' + als.getStore())") == V8R_STATUS_OK);
}

static v8r_status host_work(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)args;
    (void)argc;
    (void)result;
    CHECK(v8r_queue_work(data, work_noop, after_store, data, NULL, NULL) == V8R_STATUS_OK);
    return V8R_STATUS_OK;
}

static v8r_notifier *notifier;
static v8r_status host_notifier(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    (void)args;
    (void)argc;
    (void)result;
    CHECK(v8r_notifier_new(data, "onNotify", NULL, NULL, NULL, 0, &notifier, NULL) == V8R_STATUS_OK);
    v8r_value v = v8r_value_number(1);
    CHECK(v8r_notifier_send(notifier, &v, 0) == V8R_STATUS_OK);
    CHECK(v8r_notifier_close(notifier) == V8R_STATUS_OK);
    return V8R_STATUS_OK;
}

static void test_async_local_storage(void) {
    v8r_runtime *rt = new_rt(NULL);
    CHECK(v8r_runtime_register(rt, "startWork", host_work, rt, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register(rt, "startNotifier", host_notifier, rt, NULL, NULL) == V8R_STATUS_OK);
    CHECK(v8r_runtime_register_async(rt, "later", host_async_resolve, NULL, NULL, NULL) == V8R_STATUS_OK);
    CHECK(js(rt, "var seen = []; const als = new AsyncLocalStorage();"
                 "function onNotify() { seen.push('notify:' + als.getStore()) }"
                 "als.run('A', () => {"
                 "  setTimeout(() => { seen.push('timeout:' + als.getStore());"
                 "    setImmediate(() => seen.push('immediate:' + als.getStore())) }, 1);"
                 "  queueMicrotask(() => seen.push('microtask:' + als.getStore()));"
                 "  (async () => { await null; seen.push('await:' + als.getStore());"
                 "    const v = await later(); seen.push('host:' + als.getStore() + v) })();"
                 "  startWork(); startNotifier();"
                 "});"
                 "als.run('B', () => { setTimeout(() => seen.push('timeout:' + als.getStore()), 1);"
                 "  (async () => { await later(); seen.push('host:' + als.getStore()) })() });"
                 "seen.push('outside:' + als.getStore());") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_OK);
    char buf[512];
    t_str(rt, "seen.sort().join(' ')", buf, sizeof buf);
    CHECK_STR(buf,
              "await:A host:A7 host:B immediate:A microtask:A notify:A outside:undefined timeout:A timeout:B work:A");
    v8r_notifier_free(notifier);
    v8r_runtime_free(rt);
}

/* Long stack traces: an exception in a callback carries the chain of
 * resources that led to it, with where each was created. */
static void test_long_stack_traces(void) {
    struct errors errs = {{0}, 0, 0};
    v8r_runtime *rt = new_rt(&errs);
    CHECK(js(rt, "asyncHooks.setLongStackTraces(true);\n"
                 "function first() { setTimeout(second, 1) }\n"
                 "function second() { setImmediate(function third() { throw new Error('deep') }) }\n"
                 "first();\n") == V8R_STATUS_OK);
    CHECK(t_run(rt) == V8R_STATUS_EXCEPTION);
    CHECK(errs.count == 1);
    CHECK_CONTAINS(errs.buf, "Error: deep");
    CHECK_CONTAINS(errs.buf, "at Immediate.third (hooks.js:3:"); /* `this` is the Immediate, as in Node */
    CHECK_CONTAINS(errs.buf, "at async Immediate (asyncId 3)\n    at second (hooks.js:3:");
    CHECK_CONTAINS(errs.buf, "at async Timeout (asyncId 2)\n    at first (hooks.js:2:");
    v8r_runtime_free(rt);
}

void run_async_hooks_tests(void) {
    RUN(test_hooks_timers_order);
    RUN(test_hooks_microtasks_and_promises);
    RUN(test_hooks_promise_destroy);
    RUN(test_hooks_work_notifier_host_promise);
    RUN(test_hooks_disable_rule_and_filters);
    RUN(test_hooks_reentrant_and_throwing);
    RUN(test_c_hook_reenters);
    RUN(test_async_ids);
    RUN(test_hooks_c_and_js_together);
    RUN(test_async_local_storage);
    RUN(test_long_stack_traces);
}
