/* Hello World through the classic call: runv8 returns String(result),
 * which the caller frees with free(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v8runner.h"

int main(void) {
    char *out = runv8("'Hello ' + 'C' + ' World, from V8 ' + (6 * 7)");
    if (out == NULL) {
        fprintf(stderr, "runv8 failed: %s\n", v8r_last_error());
        return 1;
    }
    printf("%s\n", out);
    free(out);

    /* Errors give NULL and a message. */
    if (runv8("nope()") == NULL) printf("error: %s\n", v8r_last_error());

    /* A runtime keeps its globals between calls. */
    v8r_runtime *rt = NULL;
    v8r_error *err = NULL;
    if (v8r_runtime_new(NULL, &rt, &err) != V8R_STATUS_OK) {
        fprintf(stderr, "%s\n", err->message);
        v8r_error_free(err);
        return 1;
    }
    const char *setup = "let visits = 0; function visit() { return ++visits }";
    const char *call = "visit(), visit(), ({visits})";
    v8r_value v;
    v8r_runtime_eval(rt, (const uint8_t *)setup, strlen(setup), "setup.js", 0, NULL, NULL);
    if (v8r_runtime_eval(rt, (const uint8_t *)call, strlen(call), "call.js", 0, &v, &err) == V8R_STATUS_OK) {
        printf("runtime says %s\n", v.data);
        v8r_value_release(&v);
    }
    v8r_runtime_free(rt);
    return 0;
}
