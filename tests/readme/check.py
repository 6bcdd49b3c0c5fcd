#!/usr/bin/env python3
"""Run the README's whole-program snippets as written (make test-readme).

Every ```go block with `package main` and every ```c block with `int main(`
is built as a user would (Go: its own module with a replace of this
repository's go/; C: pkg-config v8runner-static) and run; when the block is
followed by a "prints:" line and a ```text block, the output must match it.
Fragments (no main) are excerpts of the package's Examples, which go test
runs.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def snippets(text):
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    for i, (lang, body, start, end) in enumerate(blocks):
        whole = (lang == "go" and "package main" in body) or (lang == "c" and "int main(" in body)
        if not whole:
            continue
        expected = None
        if i + 1 < len(blocks) and blocks[i + 1][0] == "text":
            between = text[end:blocks[i + 1][2]].strip()
            if between.endswith("prints:"):
                expected = blocks[i + 1][1]
        line = text.count("\n", 0, start) + 1
        yield lang, body, expected, line


def build_go(body, work):
    with open(os.path.join(work, "go.mod"), "w") as f:
        f.write("module example.com/readme\n\ngo 1.24\n\nrequire github.com/v8runner/v8runner/go v0.0.0\n\n"
                f"replace github.com/v8runner/v8runner/go => {ROOT}/go\n")
    with open(os.path.join(work, "main.go"), "w") as f:
        f.write(body)
    subprocess.run(["go", "build", "-o", "prog", "."], cwd=work, check=True)


def build_c(body, work):
    with open(os.path.join(work, "prog.c"), "w") as f:
        f.write(body)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "v8runner-static"], check=True,
                           capture_output=True, text=True).stdout.split()
    cc = os.environ.get("CC", "cc")
    extra = os.environ.get("LDFLAGS", "").split()
    subprocess.run([cc, "-std=c99", "-Wall", "-Werror", "-o", "prog", "prog.c"] + flags + extra, cwd=work, check=True)


def main():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    passed = failed = 0
    for lang, body, expected, line in snippets(text):
        with tempfile.TemporaryDirectory() as work:
            try:
                (build_go if lang == "go" else build_c)(body, work)
                out = subprocess.run(["./prog"], cwd=work, capture_output=True, text=True, timeout=60, check=True).stdout
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                print(f"FAIL README.md:{line} ({lang}): {e}\n{getattr(e, 'stderr', '') or ''}")
                failed += 1
                continue
            if expected is not None and out != expected:
                print(f"FAIL README.md:{line} ({lang}): printed\n{out}\ninstead of\n{expected}")
                failed += 1
                continue
            print(f"ok   README.md:{line} ({lang}{', output checked' if expected is not None else ''})")
            passed += 1
    print(f"readme: {passed} passed, {failed} failed")
    if failed or passed == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
