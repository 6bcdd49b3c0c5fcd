// Declarations of the adapters in trampoline.c, for the Go files that pass
// them to the library as callbacks.
#ifndef V8R_GO_TRAMPOLINE_H
#define V8R_GO_TRAMPOLINE_H
#include "v8runner.h"
v8r_status v8r_go_host(void *data, const v8r_value *args, size_t argc, v8r_value *result);
void v8r_go_async(void *data, const v8r_value *args, size_t argc, v8r_promise *promise);
void v8r_go_release(void *data);
void v8r_go_console(void *data, v8r_console_level level, const char *text, size_t len);
void v8r_go_error(void *data, const v8r_error *err);
void v8r_go_work(void *data);
void v8r_go_after_work(v8r_work *req, v8r_status status, void *data);
bool v8r_go_write(void *data, const uint8_t *chunk, size_t len);
v8r_status v8r_go_module_load(void *data, const char *specifier, const char *referrer, uint32_t flags,
                              v8r_module_source *out);
// The async hook events, numbered once for trampoline.c and export.go.
typedef enum {
    V8R_GO_EVENT_INIT,
    V8R_GO_EVENT_BEFORE,
    V8R_GO_EVENT_AFTER,
    V8R_GO_EVENT_DESTROY,
    V8R_GO_EVENT_PROMISE_RESOLVE,
} v8r_go_event;
void v8r_go_async_init(void *data, uint64_t id, uint32_t type, uint64_t trigger);
void v8r_go_async_before(void *data, uint64_t id);
void v8r_go_async_after(void *data, uint64_t id);
void v8r_go_async_destroy(void *data, uint64_t id);
void v8r_go_async_resolve(void *data, uint64_t id);

// A cgo.Handle travels through the library's `void *data` as an integer;
// the cast happens here, in C, so Go never forges a pointer.
static inline void *v8r_go_handle(uintptr_t h) { return (void *)h; }
// A call's arguments, result and error in C memory, reused from a pool:
// the arguments of most calls fit, and the library sees no Go memory.
#define V8R_GO_FRAME_ARGS 8
typedef struct {
    v8r_value args[V8R_GO_FRAME_ARGS];
    v8r_value result;
    v8r_error *err;
} v8r_go_frame;
#endif
