/* jsrun: run one JS file in a v8runner runtime, the way `node FILE.js`
 * runs it, for the Node differential tests (tests/node/compare.py).
 *
 *   jsrun FILE.js
 *
 * The file is evaluated (resource name: its base name), then the event
 * loop runs in DEFAULT mode until nothing referenced is pending.
 * console.log/debug/info go to stdout, console.warn/error to stderr, one
 * line per message, flushed at once. Errors nobody caught are printed on
 * stdout in the form tests/node/node_prelude.js prints them under Node:
 *
 *   uncaught: <message>     an exception thrown by the script or a callback
 *   unhandled: <reason>     a promise rejected with no handler
 *
 * where <message> is V8's message without its leading "Uncaught " (e.g.
 * "Error: boom", as String(e) gives in Node). Exits 0 unless the runtime
 * could not be created or the file not read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v8runner.h"

static const char UNCAUGHT[] = "Uncaught ";
static const char IN_PROMISE[] = "Uncaught (in promise) ";

static void console_sink(void *data, v8r_console_level level, const char *text, size_t len) {
    (void)data;
    FILE *out = level >= V8R_CONSOLE_LEVEL_WARN ? stderr : stdout;
    fwrite(text, 1, len, out);
    fputc('\n', out);
    fflush(out);
}

/* One normalised line for an error message from V8 or the loop. */
static void print_error(const char *message) {
    if (strncmp(message, IN_PROMISE, sizeof IN_PROMISE - 1) == 0)
        printf("unhandled: %s\n", message + sizeof IN_PROMISE - 1);
    else if (strncmp(message, UNCAUGHT, sizeof UNCAUGHT - 1) == 0)
        printf("uncaught: %s\n", message + sizeof UNCAUGHT - 1);
    else
        printf("uncaught: %s\n", message);
    fflush(stdout);
}

static void error_sink(void *data, const v8r_error *err) {
    (void)data;
    print_error(err->message);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.js\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    char *src = read_file(argv[1], &len);
    if (src == NULL) {
        perror(argv[1]);
        return 2;
    }
    const char *base = strrchr(argv[1], '/');
    base = base ? base + 1 : argv[1];

    v8r_runtime_options o;
    v8r_runtime_options_init(&o);
    o.name = "jsrun";
    o.console = console_sink;
    o.on_error = error_sink;
    v8r_runtime *rt = NULL;
    v8r_error *err = NULL;
    if (v8r_runtime_new(&o, &rt, &err) != V8R_STATUS_OK) {
        fprintf(stderr, "jsrun: runtime: %s\n", err ? err->message : "failed");
        v8r_error_free(err);
        free(src);
        return 1;
    }

    v8r_status st = v8r_runtime_eval(rt, (const uint8_t *)src, len, base, 0, NULL, &err);
    if (st != V8R_STATUS_OK) {
        /* An exception escaping the top-level script: as Node, report it
         * and still run the loop (what the script queued before it threw). */
        print_error(err ? err->message : v8r_status_name(st));
        v8r_error_free(err);
        err = NULL;
    }

    st = v8r_runtime_run(rt, 0 /* DEFAULT */, 0, NULL, &err);
    /* EXCEPTION: every error already went to error_sink. */
    if (st != V8R_STATUS_OK && st != V8R_STATUS_EXCEPTION)
        printf("jsrun: run: %s: %s\n", v8r_status_name(st), err ? err->message : "");
    fflush(stdout);
    v8r_error_free(err);
    v8r_runtime_free(rt);
    free(src);
    return 0;
}
