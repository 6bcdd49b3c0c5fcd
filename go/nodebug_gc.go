//go:build !v8rdebug

package v8runner

func maybeGC() {}
