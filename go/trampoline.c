// C adapters between the library's callback types (void *data) and the
// package's exported Go functions (which take the cgo.Handle as an integer).
#include "_cgo_export.h"
#include "trampoline.h"

v8r_status v8r_go_host(void *data, const v8r_value *args, size_t argc, v8r_value *result) {
    return v8rGoHostCall((uintptr_t)data, (v8r_value *)args, argc, result);
}

void v8r_go_async(void *data, const v8r_value *args, size_t argc, v8r_promise *promise) {
    v8rGoAsyncCall((uintptr_t)data, (v8r_value *)args, argc, promise);
}

void v8r_go_release(void *data) { v8rGoRelease((uintptr_t)data); }

v8r_status v8r_go_module_load(void *data, const char *specifier, const char *referrer, uint32_t flags,
                              v8r_module_source *out) {
    return v8rGoModuleLoad((uintptr_t)data, (char *)specifier, (char *)referrer, flags, out);
}

void v8r_go_console(void *data, v8r_console_level level, const char *text, size_t len) {
    v8rGoConsole((uintptr_t)data, (uint32_t)level, (char *)text, len);
}

void v8r_go_error(void *data, const v8r_error *err) { v8rGoError((uintptr_t)data, (v8r_error *)err); }

void v8r_go_work(void *data) { v8rGoWork((uintptr_t)data); }

void v8r_go_after_work(v8r_work *req, v8r_status status, void *data) {
    v8rGoAfterWork(req, status, (uintptr_t)data);
}

// Async hooks: one exported Go function takes every event.
void v8r_go_async_init(void *data, uint64_t id, uint32_t type, uint64_t trigger) {
    v8rGoAsyncEvent((uintptr_t)data, V8R_GO_EVENT_INIT, id, type, trigger);
}
void v8r_go_async_before(void *data, uint64_t id) { v8rGoAsyncEvent((uintptr_t)data, V8R_GO_EVENT_BEFORE, id, 0, 0); }
void v8r_go_async_after(void *data, uint64_t id) { v8rGoAsyncEvent((uintptr_t)data, V8R_GO_EVENT_AFTER, id, 0, 0); }
void v8r_go_async_destroy(void *data, uint64_t id) { v8rGoAsyncEvent((uintptr_t)data, V8R_GO_EVENT_DESTROY, id, 0, 0); }
void v8r_go_async_resolve(void *data, uint64_t id) {
    v8rGoAsyncEvent((uintptr_t)data, V8R_GO_EVENT_PROMISE_RESOLVE, id, 0, 0);
}

bool v8r_go_write(void *data, const uint8_t *chunk, size_t len) {
    return v8rGoWrite((uintptr_t)data, (uint8_t *)chunk, len);
}
