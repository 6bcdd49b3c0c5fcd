#!/usr/bin/env python3
"""Differential tests: run each tests/node/cases/*.js under Node (the
oracle) and under build/jsrun (v8runner), and compare their stdout.

    python3 tests/node/compare.py [-v] [--repeat N] [CASE ...]

CASE is a case file name (with or without .js) or a path; default: every
case. Node runs as `node --require tests/node/node_prelude.js CASE.js`.
Each case prints "ok", "DIFF" (with a unified diff), "known" (a DIFF
listed in tests/node/known_failures.txt) or "fixed?" (listed there but
now equal). The run fails (exit 1) only on a DIFF not listed as known.
--repeat N runs every case N times per engine, to catch nondeterminism:
each engine must print the same thing every time.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(HERE, "cases")
PRELUDE = os.path.join(HERE, "node_prelude.js")
KNOWN = os.path.join(HERE, "known_failures.txt")
JSRUN = os.path.join(ROOT, "build", "jsrun")
LIB = os.path.join(HERE, "lib")
EXPANDED = os.path.join(ROOT, "build", "node-cases")
INCLUDE = re.compile(r"^// @include (\S+).*$", re.M)
TIMEOUT = 10  # seconds per run


def known_failures():
    """Case file names listed in known_failures.txt (# starts a comment)."""
    names = set()
    try:
        with open(KNOWN, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    names.add(line if line.endswith(".js") else line + ".js")
    except FileNotFoundError:
        pass
    return names


def run(cmd, cwd):
    """stdout of cmd (with a note about an exit status, a timeout or
    stderr output when there was trouble), and whether it was clean."""
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return out + f"[timed out after {TIMEOUT} s]\n", False
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        out += f"[exit status {p.returncode}]\n" + "".join(f"[stderr] {l}\n" for l in err[-5:])
        return out, False
    return out, True


def expand(case):
    """The case as both engines run it: each `// @include NAME` line
    replaced by tests/node/lib/NAME (written under build/node-cases, same
    file name, so stacks and messages name the same file)."""
    with open(case, encoding="utf-8") as f:
        src = f.read()
    if not INCLUDE.search(src):
        return case

    def include(m):
        with open(os.path.join(LIB, m.group(1)), encoding="utf-8") as f:
            return INCLUDE.sub(include, f.read().rstrip("\n"))  # includes nest

    os.makedirs(EXPANDED, exist_ok=True)
    out = os.path.join(EXPANDED, os.path.basename(case))
    with open(out, "w", encoding="utf-8") as f:
        f.write(INCLUDE.sub(include, src))
    return out


def node_cmd(case):
    return ["node", "--require", PRELUDE, os.path.basename(case)]


def jsrun_cmd(case):
    return [JSRUN, os.path.basename(case)]


def resolve(arg):
    if os.path.exists(arg):
        return os.path.abspath(arg)
    name = arg if arg.endswith(".js") else arg + ".js"
    path = os.path.join(CASES, name)
    if not os.path.exists(path):
        sys.exit(f"no such case: {arg} (looked for {os.path.relpath(path)})")
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names or paths (default: all)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the output of passing cases too")
    ap.add_argument("--repeat", type=int, default=1, help="runs per engine (all must agree)")
    args = ap.parse_args()

    if not os.access(JSRUN, os.X_OK):
        sys.exit(f"{JSRUN} is missing: build it with `make {os.path.relpath(JSRUN, ROOT)}` (or `make test-node`)")
    cases = [resolve(c) for c in args.cases] or sorted(
        os.path.join(CASES, f) for f in os.listdir(CASES) if f.endswith(".js"))
    known = known_failures()
    counts = {"ok": 0, "DIFF": 0, "known": 0, "fixed?": 0}

    for case in cases:
        name = os.path.basename(case)
        case = expand(case)
        cwd = os.path.dirname(case)
        outs = {}
        unstable = []
        for engine, cmd in (("node", node_cmd(case)), ("v8runner", jsrun_cmd(case))):
            runs = [run(cmd, cwd)[0] for _ in range(max(1, args.repeat))]
            outs[engine] = runs[0]
            for i, other in enumerate(runs[1:], 2):
                if other != runs[0]:
                    unstable.append((engine, i, other))
        same = outs["node"] == outs["v8runner"] and not unstable
        if same:
            status = "fixed?" if name in known else "ok"
        else:
            status = "known" if name in known else "DIFF"
        counts[status] += 1
        print(f"{status:6} {name}")
        if not same:
            diff = difflib.unified_diff(
                outs["node"].splitlines(keepends=True), outs["v8runner"].splitlines(keepends=True),
                fromfile=f"node/{name}", tofile=f"v8runner/{name}")
            sys.stdout.writelines("    " + l if l.endswith("\n") else "    " + l + "\n" for l in diff)
            for engine, i, other in unstable:
                print(f"    nondeterministic: {engine} run {i} printed something else:")
                diff = difflib.unified_diff(
                    outs[engine].splitlines(keepends=True), other.splitlines(keepends=True),
                    fromfile=f"{engine} run 1", tofile=f"{engine} run {i}")
                sys.stdout.writelines("      " + l if l.endswith("\n") else "      " + l + "\n" for l in diff)
        elif args.verbose:
            sys.stdout.writelines("    " + l for l in outs["node"].splitlines(keepends=True))
        sys.stdout.flush()

    passed = counts["ok"] + counts["fixed?"]
    failed = counts["DIFF"] + counts["known"]
    extra = []
    if counts["known"]:
        extra.append(f"{counts['known']} known")
    if counts["fixed?"]:
        extra.append(f"{counts['fixed?']} listed as known but now pass")
    print(f"node differential: {passed} passed, {failed} failed" + (f" ({', '.join(extra)})" if extra else ""))
    return 1 if counts["DIFF"] else 0


if __name__ == "__main__":
    sys.exit(main())
