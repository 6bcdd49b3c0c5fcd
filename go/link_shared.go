//go:build v8runner_shared

package v8runner

// With `-tags v8runner_shared`: link libv8runner.so instead. The binary then
// finds it through the rpath below (the build tree) or LD_LIBRARY_PATH.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: -L${SRCDIR}/../target/release -Wl,-rpath,${SRCDIR}/../target/release -lv8runner
*/
import "C"
