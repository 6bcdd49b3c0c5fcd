# v8runner build. This file is the one place that decides where V8 comes
# from: the prebuilt archive in ../shared/v8 when it exists, otherwise the
# v8 crate's own download.

V8_ARCHIVE_LOCAL := $(abspath ../shared/v8/librusty_v8_release_x86_64-unknown-linux-gnu.a.gz)
ifneq ($(wildcard $(V8_ARCHIVE_LOCAL)),)
export RUSTY_V8_ARCHIVE ?= $(V8_ARCHIVE_LOCAL)
endif

CARGO   ?= cargo
GO      ?= go
CC      ?= cc
CXX     ?= c++
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

BUILD     := build
LIBDIR    := target/release
STATICLIB := $(LIBDIR)/libv8runner.a
# The shared library is linked from the static one (not by cargo): only the
# API is exported (include/v8runner.map), with a SONAME of the major version.
VERSION_MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME    := libv8runner.so.$(VERSION_MAJOR)
SHAREDLIB := $(BUILD)/lib/libv8runner.so.$(VERSION)
HEADER    := include/v8runner.h
LDLIBS    := -lstdc++ -lm -ldl -lpthread
# Drop the parts of V8 a program does not reach (about a sixth of a binary).
# Go takes it from the environment only (cgo refuses it in #cgo and .pc
# lines); users pass it the same way (README).
LDGC      := -Wl,--gc-sections
export CGO_LDFLAGS += -Wl,--gc-sections
# pkg-config files for the build tree, which the Go package finds its
# library and header through (`#cgo pkg-config`), as it does after install.
PCDIR     := $(BUILD)/pkgconfig
PCFILES   := $(PCDIR)/v8runner.pc $(PCDIR)/v8runner-static.pc
export PKG_CONFIG_PATH := $(abspath $(PCDIR))$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
# The linker for C and Go programs that link V8: lld links the 160 MB
# archive in well under a second where GNU ld takes several. Use ld.lld when
# installed, else the rust-lld the Rust toolchain ships (through its gcc-ld
# wrapper, as rustc itself does), else the system default: slower, same result.
RUST_GCC_LD := $(shell rustc --print sysroot 2>/dev/null)/lib/rustlib/$(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')/bin/gcc-ld
ifneq ($(shell command -v ld.lld 2>/dev/null),)
FASTLD    := -fuse-ld=lld
# lld also folds identical functions (only where no address is compared).
LDGC      += -Wl,--icf=safe
# Go too (cgo refuses -fuse-ld in #cgo lines, but takes it from the
# environment); not with the rust-lld fallback, which Go's PIE probing
# does not handle, so Go then links with the system linker.
export CGO_LDFLAGS += -fuse-ld=lld -Wl,--icf=safe
else ifneq ($(wildcard $(RUST_GCC_LD)/ld.lld),)
FASTLD    := -B$(RUST_GCC_LD) -fuse-ld=lld
LDGC      += -Wl,--icf=safe
else
FASTLD    :=
endif
CFLAGS    ?= -O2 -g -Wall -Wextra -Werror

RUST_SRC := $(shell find src -name "*.rs" -o -name "*.js") Cargo.toml cbindgen.toml

.PHONY: all lib examples run-hello test test-rust test-c test-asan test-go test-safety \
        test-install test-examples test-fuzz test-node test-readme check-header lint bench callcount install clean

all: lib examples

lib: $(STATICLIB) $(SHAREDLIB) $(PCFILES)

# One cargo invocation builds the static library and (build.rs) the header.
$(STATICLIB) $(HEADER): $(RUST_SRC)
	$(CARGO) build --release
	@touch $(STATICLIB)

# The API's symbols (from the archive) are the roots the linker keeps;
# symbols and debug info stay out of this release artefact (the archive
# keeps them).
$(SHAREDLIB): $(STATICLIB) include/v8runner.map
	@mkdir -p $(BUILD)/lib
	$(CC) -shared $(FASTLD) $(LDGC) -Wl,--strip-all -o $@ -Wl,-soname,$(SONAME) -Wl,--version-script=include/v8runner.map \
		$$(nm -g --defined-only $(STATICLIB) 2>/dev/null | awk '$$2 == "T" && $$3 ~ /^(v8r_|runv8)/ { print "-Wl,-u," $$3 }' | sort -u) \
		$(STATICLIB) $(LDLIBS)
	ln -sf libv8runner.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/lib/libv8runner.so

# pkg-config files: `pc` builds one from its template for a layout.
pc = sed -e 's|@INCLUDEDIR@|$(2)|g' -e 's|@LIBDIR@|$(3)|g' -e 's|@STATICLIB@|$(4)|g' -e 's|@LIBS@|$(LDLIBS)|g' \
	-e 's|@VERSION@|$(VERSION)|g' include/$(1).pc.in
$(PCDIR)/%.pc: include/%.pc.in Makefile
	@mkdir -p $(PCDIR)
	$(call pc,$*,$(abspath include),$(abspath $(BUILD)/lib),$(abspath $(STATICLIB))) > $@

# ---- examples ---------------------------------------------------------------
C_EXAMPLES := $(BUILD)/hello $(BUILD)/threads $(BUILD)/threaded_callback $(BUILD)/chunked_work \
              $(BUILD)/trace_hooks $(BUILD)/long_stack

GO_EXAMPLES := $(BUILD)/hello-go $(BUILD)/manyrunv8-go $(BUILD)/bang-go $(BUILD)/asyncfunc-go $(BUILD)/chunked-go \
               $(BUILD)/longstack-go $(BUILD)/modules-go

examples: $(C_EXAMPLES) $(GO_EXAMPLES)

$(BUILD)/%: examples/c/%.c $(STATICLIB) $(HEADER)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(FASTLD) $(LDGC) -Iinclude -o $@ $< $(STATICLIB) $(LDLIBS)

# Go does not see the static library change (it is not a Go input): an
# existing binary with the same Go inputs is only touched, not relinked. So
# remove it first.
$(BUILD)/%-go: $(STATICLIB) $(HEADER) $(PCFILES) $(shell find examples/go go -name '*.go' -o -name '*.js' -o -name '*.json' 2>/dev/null)
	@mkdir -p $(BUILD)
	rm -f $@
	cd examples/go && $(GO) vet ./... && $(GO) build -o ../../$@ ./$*

# Every example is also a test: its output must match tests/examples/*.out.
CHECKED_EXAMPLES := hello threads threaded_callback chunked_work trace_hooks long_stack \
                    hello-go bang-go asyncfunc-go chunked-go longstack-go modules-go
test-examples: examples
	@for ex in $(CHECKED_EXAMPLES); do \
		./$(BUILD)/$$ex > $(BUILD)/$$ex.out 2>&1 && diff -u tests/examples/$$ex.out $(BUILD)/$$ex.out \
		|| { echo "example $$ex: output differs"; exit 1; }; done
	@echo "examples: $(words $(CHECKED_EXAMPLES)) passed, 0 failed"

run-hello: $(BUILD)/hello $(BUILD)/hello-go
	@./$(BUILD)/hello
	@./$(BUILD)/hello-go

# ---- tests --------------------------------------------------------------------
test: lint check-header test-rust test-c test-asan test-node test-go test-safety test-fuzz test-install test-examples \
      test-readme

test-rust: lib
	$(LIMIT) $(CARGO) test --release

C_TESTS := $(BUILD)/test_c $(BUILD)/test_cxx

C_TEST_SRC := tests/c/main.c $(wildcard tests/c/test_*.c)

$(BUILD)/test_c: $(C_TEST_SRC) tests/c/check.h tests/c/helpers.h $(STATICLIB) $(HEADER)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -std=c11 $(FASTLD) -Iinclude -o $@ $(C_TEST_SRC) $(STATICLIB) $(LDLIBS)

# The header must compile as C++ too, included twice.
$(BUILD)/test_cxx: tests/c/test_header.cpp $(HEADER)
	@mkdir -p $(BUILD)
	$(CXX) -O0 -Wall -Wextra -Werror -std=c++17 -Iinclude -c -o $@.o tests/c/test_header.cpp
	$(CC) -O0 -Wall -Wextra -Werror -std=c99 -Iinclude -x c -c -o $@.c.o tests/c/test_header.cpp
	$(CXX) $(FASTLD) -o $@ $@.o $(STATICLIB) $(LDLIBS)

# Every test binary runs under a time limit: a hang fails fast instead of
# eating CI's whole budget.
LIMIT := timeout --signal=ABRT 600

test-c: $(C_TESTS)
	$(LIMIT) ./$(BUILD)/test_cxx
	$(LIMIT) ./$(BUILD)/test_c

# The C tests again under AddressSanitizer (with LeakSanitizer).
$(BUILD)/test_c_asan: $(C_TEST_SRC) tests/c/check.h tests/c/helpers.h $(STATICLIB) $(HEADER)
	@mkdir -p $(BUILD)
	$(CC) -O1 -g -fsanitize=address -fno-omit-frame-pointer -std=c11 $(FASTLD) -Iinclude -o $@ $(C_TEST_SRC) $(STATICLIB) $(LDLIBS)

test-asan: $(BUILD)/test_c_asan
	ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16 LSAN_OPTIONS=suppressions=tests/c/lsan.supp:print_suppressions=0 $(LIMIT) ./$(BUILD)/test_c_asan

# The DevTools protocol client the inspector test drives (from npm).
INSPECTOR_CLIENT := tests/inspector/node_modules/chrome-remote-interface/package.json
$(INSPECTOR_CLIENT): tests/inspector/package.json tests/inspector/package-lock.json
	cd tests/inspector && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-go: lib $(INSPECTOR_CLIENT)
	cd go && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 10m ./...

# Go under the strictest checks: race detector, cgocheck2, GC at every step.
test-safety: lib $(INSPECTOR_CLIENT)
	cd go && GOEXPERIMENT=cgocheck2 $(GO) test -race -count=1 -timeout 10m ./...
	cd go && GOGC=1 $(GO) test -short -count=1 -timeout 10m ./...

# A short fuzzing run of Eval and of value conversion (the seeds also run
# in every `go test`). Minimizing is capped: a worker still minimizing a
# new-coverage input at the deadline makes Go report "context deadline exceeded".
test-fuzz: lib
	cd go && $(GO) test -run '^$$' -fuzz '^FuzzEval$$' -fuzztime 10s -fuzzminimizetime 200x .
	cd go && $(GO) test -run '^$$' -fuzz '^FuzzConvert$$' -fuzztime 10s -fuzzminimizetime 200x .

# Differential tests against Node 20 (the oracle for event-loop order,
# timers, microtasks, error reporting and async_hooks): each
# tests/node/cases/*.js runs under `node` and under build/jsrun and the
# outputs must match (tests/node/known_failures.txt lists known gaps).
# Needs node (20) on PATH; .ci/run checks for it.
$(BUILD)/jsrun: tests/node/jsrun.c $(STATICLIB) $(HEADER)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(FASTLD) -Iinclude -o $@ $< $(STATICLIB) $(LDLIBS)

test-node: $(BUILD)/jsrun
	python3 tests/node/compare.py

check-header: lib
	git diff --exit-code -- $(HEADER) || (echo "include/v8runner.h changed when regenerated: commit it" && exit 1)

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	test -z "$$(gofmt -l go examples/go tests/bench)" || (gofmt -l go examples/go tests/bench && exit 1)

# ---- benchmarks ---------------------------------------------------------------
$(BUILD)/bench_c: tests/c/bench.c $(STATICLIB) $(HEADER)
	@mkdir -p $(BUILD)
	$(CC) -O2 -std=c11 $(FASTLD) -Iinclude -o $@ $< $(STATICLIB) $(LDLIBS)

# Each program prints BENCH lines; report.py prints one table of ratios to
# the raw v8 crate floor measured in the same run.
# Each engine runs the same workloads in its own program (two V8s cannot
# link into one binary); goja and tommie/v8go come from the Go module proxy.
# v8go is optional: without it (no network, say) its column stays empty.
# typescript.js from npm, for the code cache row (skipped when npm cannot fetch it).
TS_JS := $(BUILD)/npm/package/lib/typescript.js
$(TS_JS):
	mkdir -p $(BUILD)/npm
	cd $(BUILD)/npm && (npm pack typescript@5.6.3 >/dev/null 2>&1 && tar xzf typescript-5.6.3.tgz package/lib/typescript.js) || echo "typescript.js unavailable: no code cache row"

bench: lib $(BUILD)/bench_c $(TS_JS)
	rm -f $(BUILD)/bench-v8runner-go $(BUILD)/bench-cgofloor
	cd tests/bench/peers/v8runner && $(GO) build -o ../../../../$(BUILD)/bench-v8runner-go .
	cd tests/bench/peers/goja && $(GO) build -o ../../../../$(BUILD)/bench-goja .
	rm -f $(BUILD)/bench-v8go
	cd tests/bench/peers/v8go && $(GO) build -o ../../../../$(BUILD)/bench-v8go . || echo "v8go peer unavailable"
	cd tests/bench/peers/cgofloor && $(GO) build -o ../../../../$(BUILD)/bench-cgofloor .
	{ $(CARGO) bench --bench floor 2>/dev/null; ./$(BUILD)/bench_c; V8RUNNER_NO_SNAPSHOT=1 ./$(BUILD)/bench_c new; \
	  (cd go && $(GO) test -run '^$$' -bench . -benchtime 2s -count 1 .); \
	  ./$(BUILD)/bench-cgofloor; V8RUNNER_BENCH_TS=$(abspath $(TS_JS)) ./$(BUILD)/bench-v8runner-go; ./$(BUILD)/bench-goja; \
	  if [ -x $(BUILD)/bench-v8go ]; then ./$(BUILD)/bench-v8go; fi; \
	  if command -v node >/dev/null; then node tests/bench/peers/node/loop.js; fi; } \
	  | python3 tests/bench/report.py

# Instructions per call (callgrind), for comparing builds of the call path.
$(BUILD)/callcount: tests/bench/callcount.c $(STATICLIB) $(HEADER)
	@mkdir -p $(BUILD)
	$(CC) -O2 -std=c11 $(FASTLD) -Iinclude -o $@ $< $(STATICLIB) $(LDLIBS)

callcount: $(BUILD)/callcount
	tests/bench/callcount.sh $(BUILD)/callcount

# ---- install ------------------------------------------------------------------
install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(HEADER) $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(STATICLIB) $(DESTDIR)$(PREFIX)/lib/
	strip --strip-debug --remove-section=.llvm_addrsig $(DESTDIR)$(PREFIX)/lib/libv8runner.a
	install -m 755 $(SHAREDLIB) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libv8runner.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libv8runner.so
	for pc in v8runner v8runner-static; do \
		$(call pc,$$pc,$(PREFIX)/include,$(PREFIX)/lib,$(PREFIX)/lib/libv8runner.a) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc; done

# Install into a throw-away prefix and use it the way a user would: a C
# program with pkg-config (shared, then static), the shared library's name
# and exports, and a Go program in a module of its own outside the tree.
test-install: lib
	rm -rf $(BUILD)/prefix && mkdir -p $(BUILD)/prefix
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(BUILD)/prefix)
	tests/install/check.sh $(abspath $(BUILD)/prefix) $(VERSION) $(SONAME)

# The README's whole programs, built and run as written (output checked).
test-readme: lib
	LDFLAGS="$(FASTLD)" python3 tests/readme/check.py

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
