package v8runner

// #include "v8runner.h"
import "C"

// Version is the version of the v8runner library linked in ("0.1.0").
func Version() string { return C.GoString(C.v8r_version()) }

// V8Version is the version of the V8 inside it ("15.2.124.1-rusty").
func V8Version() string { return C.GoString(C.v8r_v8_version()) }
