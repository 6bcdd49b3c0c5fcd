package main

/*
#include <stdint.h>
extern int64_t goInc(int64_t x);
// C calls back into Go n times, as a JS loop calling a Go function would.
static int64_t loop_calls(int64_t n) {
    int64_t x = 0;
    for (int64_t i = 0; i < n; i++) x = goInc(x);
    return x;
}
static int64_t add(int64_t a, int64_t b) { return a + b; }
*/
import "C"

//export goInc
func goInc(x C.int64_t) C.int64_t { return x + 1 }

func loopCalls(n int64) int64 { return int64(C.loop_calls(C.int64_t(n))) }

func add(a, b int64) int64 { return int64(C.add(C.int64_t(a), C.int64_t(b))) }
