/* The classic threaded addon: a background thread sends an incrementing
 * integer every 100 ms; the loop calls the script's global `callback(i)` on
 * the runtime's own thread. After 5 sends the thread closes the notifier and
 * the loop, with nothing left to do, returns. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "v8runner.h"

static void to_stdout(void *data, v8r_console_level level, const char *text, size_t len) {
    (void)data, (void)level;
    printf("%.*s\n", (int)len, text);
}

static void *ticker(void *arg) {
    v8r_notifier *n = arg;
    for (int i = 0; i < 5; i++) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        v8r_value v = v8r_value_number(i);
        v8r_notifier_send(n, &v, -1);
    }
    v8r_notifier_close(n);
    return NULL;
}

int main(void) {
    v8r_runtime_options opts;
    v8r_runtime_options_init(&opts);
    opts.console = to_stdout;
    v8r_runtime *rt = NULL;
    v8r_runtime_new(&opts, &rt, NULL);

    const char *script = "callback = function (i) { console.log('Bang: ' + i) }";
    v8r_runtime_eval(rt, (const uint8_t *)script, strlen(script), "addon.js", 0, NULL, NULL);

    v8r_notifier *n = NULL;
    v8r_notifier_new(rt, "callback", NULL, NULL, NULL, 0, &n, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, ticker, n);

    v8r_error *err = NULL;
    if (v8r_runtime_run(rt, 0 /* DEFAULT */, 0, NULL, &err) != V8R_STATUS_OK) {
        fprintf(stderr, "%s\n", err->message);
        v8r_error_free(err);
    }
    pthread_join(thread, NULL);
    printf("done\n");
    v8r_notifier_free(n);
    v8r_runtime_free(rt);
    return 0;
}
