/* The chunked backup pattern (after sqlite's online backup in Node
 * addons): `backup(size)` returns a Promise. A buffer is copied and hashed
 * one chunk per pool work request; each after-callback, on the runtime's
 * thread, reports progress to JS and queues the next chunk; the last one
 * resolves the Promise with the size and the hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v8runner.h"

#define CHUNK (1 << 20)

struct backup {
    v8r_runtime *rt;
    v8r_promise *promise;
    uint8_t *src, *dst;
    size_t size, done;
    uint64_t hash; /* FNV-1a over the copied bytes */
};

static void copy_chunk(void *data) { /* pool thread: no V8 here */
    struct backup *b = data;
    size_t n = b->size - b->done < CHUNK ? b->size - b->done : CHUNK;
    memcpy(b->dst + b->done, b->src + b->done, n);
    for (size_t i = 0; i < n; i++) b->hash = (b->hash ^ b->dst[b->done + i]) * 0x100000001b3ULL;
    b->done += n;
}

static void chunk_done(v8r_work *req, v8r_status status, void *data) { /* loop thread */
    (void)req;
    struct backup *b = data;
    char js[128];
    snprintf(js, sizeof js, "onProgress(%zu, %zu)", b->done, b->size);
    v8r_runtime_eval(b->rt, (const uint8_t *)js, strlen(js), "progress", 0, NULL, NULL);
    if (status == V8R_STATUS_OK && b->done < b->size) {
        v8r_queue_work(b->rt, copy_chunk, chunk_done, b, NULL, NULL); /* next step */
        return;
    }
    char json[128];
    snprintf(json, sizeof json, "{\"bytes\":%zu,\"fnv1a\":\"%016llx\"}", b->done, (unsigned long long)b->hash);
    v8r_value result = v8r_value_json(json, strlen(json));
    if (status == V8R_STATUS_OK) v8r_promise_resolve(b->promise, &result);
    else v8r_promise_reject(b->promise, "backup canceled", 15);
    v8r_value_release(&result);
    free(b->src);
    free(b->dst);
    free(b);
}

static void start_backup(void *rt, const v8r_value *args, size_t argc, v8r_promise *promise) {
    struct backup *b = calloc(1, sizeof *b);
    b->rt = rt;
    b->promise = promise;
    b->size = argc > 0 ? (size_t)args[0].number : 0;
    b->src = malloc(b->size);
    b->dst = malloc(b->size);
    b->hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < b->size; i++) b->src[i] = (uint8_t)(i * 31 + (i >> 12));
    v8r_queue_work(rt, copy_chunk, chunk_done, b, NULL, NULL);
}

static void to_stdout(void *data, v8r_console_level level, const char *text, size_t len) {
    (void)data, (void)level;
    printf("%.*s\n", (int)len, text);
}

int main(void) {
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.console = to_stdout;
    v8r_runtime *rt = NULL;
    v8r_runtime_new(&opts, &rt, NULL);
    v8r_runtime_register_async(rt, "backup", start_backup, rt, NULL, NULL);

    const char *script =
        "function onProgress(done, total) { console.log(`progress ${done >> 20}/${total >> 20} MiB`) }\n"
        "backup(4 << 20).then(r => console.log(`copied ${r.bytes} bytes, fnv1a ${r.fnv1a}`))";
    v8r_runtime_eval(rt, (const uint8_t *)script, strlen(script), "backup.js", 0, NULL, NULL);
    v8r_error *err = NULL;
    if (v8r_runtime_run(rt, 0, 0, NULL, &err) != V8R_STATUS_OK) {
        fprintf(stderr, "%s\n", err->message);
        v8r_error_free(err);
    }
    v8r_runtime_free(rt);
    return 0;
}
