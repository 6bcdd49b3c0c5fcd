#!/bin/sh
# Use an installed v8runner as a user would (make test-install):
#   check.sh PREFIX VERSION SONAME
# C through pkg-config, shared then static; the shared library's name,
# links and exports; a Go program in its own module outside the tree.
set -eu
prefix=$1 version=$2 soname=$3
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Only the prefix: not the build tree's pkg-config files.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
fail() { echo "install: FAIL: $*" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); }

# C, shared: found through the .pc's rpath, no LD_LIBRARY_PATH.
$cc -o "$work/hello-shared" examples/c/hello.c $(pkg-config --cflags --libs v8runner)
ldd "$work/hello-shared" | grep -q "$prefix/lib/$soname" || fail "hello-shared does not load $prefix/lib/$soname"
env -u LD_LIBRARY_PATH "$work/hello-shared" | grep -q "Hello C World" || fail "hello-shared output"
ok

# C, static: v8runner-static links the archive.
$cc -o "$work/hello-static" examples/c/hello.c $(pkg-config --cflags --libs v8runner-static)
! ldd "$work/hello-static" | grep -q libv8runner || fail "hello-static needs libv8runner.so"
"$work/hello-static" | grep -q "Hello C World" || fail "hello-static output"
ok

# The shared library: versioned file, SONAME of the major version, the
# usual links, and exactly the header's functions exported.
lib="$prefix/lib/libv8runner.so.$version"
[ -f "$lib" ] || fail "no $lib"
readelf -d "$lib" | grep -q "SONAME.*\[$soname\]" || fail "SONAME of $lib is not $soname"
[ "$(readlink "$prefix/lib/$soname")" = "libv8runner.so.$version" ] || fail "$soname link"
[ "$(readlink "$prefix/lib/libv8runner.so")" = "$soname" ] || fail "libv8runner.so link"
nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u > "$work/exported"
grep -v '^ *//' "$prefix/include/v8runner.h" | grep -oE '\b(runv8[a-z0-9_]*|v8r_[a-z0-9_]+)\(' | tr -d '(' | sort -u > "$work/declared"
if ! cmp -s "$work/exported" "$work/declared"; then
    diff "$work/declared" "$work/exported" | head -20 >&2
    fail "exported symbols differ from the header's functions (< header, > library)"
fi
[ "$(nm -D --defined-only "$lib" | grep -vc ' A ')" = "$(wc -l < "$work/declared")" ] || fail "non-API symbols exported"
echo "install: $(wc -l < "$work/exported") symbols exported, all declared in v8runner.h"
ok

# Go, outside the tree: the package as `go get` would place it (a copy, no
# repository around it), a program in its own module, linked statically
# through pkg-config with no LD_LIBRARY_PATH.
mkdir -p "$work/mod/v8runner" "$work/app"
cp go/go.mod go/*.go go/*.c go/*.h "$work/mod/v8runner/"
rm -f "$work/mod/v8runner/"*_test.go
cat > "$work/app/go.mod" <<MOD
module example.com/app

go 1.24

require github.com/v8runner/v8runner/go v0.0.0

replace github.com/v8runner/v8runner/go => ../mod/v8runner
MOD
cat > "$work/app/main.go" <<'GO'
package main

import (
	"context"
	"fmt"

	v8runner "github.com/v8runner/v8runner/go"
)

func main() {
	rt, err := v8runner.NewRuntime()
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	v, err := rt.Eval(context.Background(), "[1, 2, 3].map(x => x * 2).join()")
	if err != nil {
		panic(err)
	}
	fmt.Println("outside the tree:", v.String(), v8runner.V8Version())
}
GO
(cd "$work/app" && GOFLAGS=-mod=mod go build -o app .) || fail "go build outside the tree"
! ldd "$work/app/app" | grep -q libv8runner || fail "the Go program needs libv8runner.so"
env -u LD_LIBRARY_PATH "$work/app/app" | grep -q "^outside the tree: 2,4,6 [0-9]" || fail "Go program output"
ok

# Sizes stay where the dropped sections put them (before: a Go program
# 81.5 MB, the shared library 65.3 MB; GNU ld without --icf lands ~5 MB
# above lld).
size() { stat -c %s "$1"; }
[ "$(size "$work/app/app")" -lt $((75 * 1000 * 1000)) ] || fail "the Go program is $(size "$work/app/app") bytes"
[ "$(size "$lib")" -lt $((52 * 1000 * 1000)) ] || fail "$lib is $(size "$lib") bytes"
echo "install: Go program $(($(size "$work/app/app") / 1000000)) MB, shared library $(($(size "$lib") / 1000000)) MB"
ok
echo "install: $passed passed, 0 failed"
