//go:build v8runner_shared

package v8runner

// With `-tags v8runner_shared`: link libv8runner.so instead (pkg-config
// v8runner). The binary finds it through the .pc's rpath (the build tree or
// the install prefix) or LD_LIBRARY_PATH.

/*
#cgo pkg-config: v8runner
*/
import "C"
