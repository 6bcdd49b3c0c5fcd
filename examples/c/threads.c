/* runv8 from 8 threads at once: each call has an isolate to itself (from a
 * pool of one per core) and a fresh context, so no global lock and no state
 * shared between calls. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "v8runner.h"

#define THREADS 8

static void *worker(void *arg) {
    intptr_t id = (intptr_t)arg;
    char src[256];
    snprintf(src, sizeof src,
             "let fib = n => n < 2 ? n : fib(n - 1) + fib(n - 2);"
             "'thread %ld: fib(%ld) = ' + fib(%ld)",
             (long)id, (long)(20 + id), (long)(20 + id));
    return runv8(src); /* the joiner prints and frees it */
}

int main(void) {
    pthread_t t[THREADS];
    for (intptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++) {
        char *out = NULL;
        pthread_join(t[i], (void **)&out);
        printf("%s\n", out ? out : "(error)");
        free(out);
    }
    return 0;
}
