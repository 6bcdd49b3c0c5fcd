//go:build !v8runner_shared

package v8runner

// Default: link the static library, so a built binary needs no
// LD_LIBRARY_PATH. Build it first with `make lib` at the repository root.
// (cgo refuses -fuse-ld=lld here; pass -ldflags=-extldflags=-fuse-ld=lld
// to go build for a faster link.)

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libv8runner.a -lstdc++ -lm -ldl -lpthread
*/
import "C"
