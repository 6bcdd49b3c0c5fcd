//go:build !v8runner_shared

package v8runner

// Default: link the static library (found through pkg-config, as
// v8runner-static), so a built binary needs no LD_LIBRARY_PATH. In the
// repository, `make` writes build/pkgconfig and points PKG_CONFIG_PATH at
// it; elsewhere, `make install PREFIX=...` installs the .pc files into
// PREFIX/lib/pkgconfig. (cgo refuses -fuse-ld=lld here; set
// CGO_LDFLAGS=-fuse-ld=lld for a faster link.)

/*
#cgo pkg-config: v8runner-static
*/
import "C"
