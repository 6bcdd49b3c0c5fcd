/* The header must compile as C and as C++, and survive being included twice.
 * Built twice by the Makefile: as C++ and (with -x c) as C99. */
#include "v8runner.h"
#include "v8runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char *out = runv8("6 * 7");
    int ok = out != NULL && strcmp(out, "42") == 0;
    free(out);
    v8r_runtime *rt = NULL;
    v8r_status st = v8r_runtime_new(NULL, &rt, NULL);
    ok = ok && st == V8R_STATUS_OK;
    v8r_value v;
    st = v8r_runtime_eval(rt, (const uint8_t *)"'x'.repeat(3)", 13, NULL, 0, &v, NULL);
    ok = ok && st == V8R_STATUS_OK && v.kind == V8R_KIND_STRING && strcmp(v.data, "xxx") == 0;
    v8r_value_release(&v);
    v8r_runtime_free(rt);
    printf("%s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
    return ok ? 0 : 1;
}
