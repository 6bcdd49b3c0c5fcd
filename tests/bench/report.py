#!/usr/bin/env python3
"""Collects BENCH lines (Rust floor, C) and `go test -bench` output from
stdin and prints one table: each v8runner figure beside the raw v8 crate
floor measured in the same run, as a ratio."""
import re
import sys

vals = {}
for line in sys.stdin:
    sys.stderr.write(line)
    m = re.match(r"BENCH (\S+) ([\d.]+) (\S+)", line)
    if m:
        vals[m.group(1)] = (float(m.group(2)), m.group(3))
        continue
    # BenchmarkRunV8-2   5000   201234 ns/op
    m = re.match(r"Benchmark(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        name, ns = m.group(1), float(m.group(2))
        go = {"RunV8": ("oneshot.go", ns / 1e3, "us"),
              "RunV8Parallel": ("oneshot2.go", 1e9 / ns, "ops/s"),
              "Eval": ("eval.go", ns, "ns"),
              "EvalPinned": ("evalfast.go", ns, "ns"),
              "NewRuntime": ("new.go", ns / 1e3, "us"),
              "HeapStats": ("heapstats.go", ns, "ns")}.get(name)
        if go:
            vals[go[0]] = (go[1], go[2])

rows = [
    ("runv8(\"1+1\") one thread", "oneshot", "lower"),
    ("runv8(\"1+1\") two threads", "oneshot2", "higher"),
    ("eval \"1+1\" in a live runtime", "eval", "lower"),
    ("runtime create + free", "new", "lower"),
]
print()
print(f"| {'workload':32} | {'raw v8 crate':>14} | {'Rust layer':>18} | {'C ABI':>18} | {'Go':>18} |")
print(f"|{'-'*34}|{'-'*16}:|{'-'*19}:|{'-'*19}:|{'-'*19}:|")
for title, key, better in rows:
    floor = vals.get(f"{key}.raw")
    cells = []
    for layer in ("rust", "c", "go"):
        v = vals.get(f"{key}.{layer}")
        if not v:
            cells.append("-")
            continue
        ratio = ""
        if floor:
            # ratio expressed as cost relative to the floor (>1 = slower)
            r = v[0] / floor[0] if better == "lower" else floor[0] / v[0]
            ratio = f" ({r:.2f}x)"
        cells.append(f"{v[0]:,.1f} {v[1]}{ratio}")
    fl = f"{floor[0]:,.1f} {floor[1]}" if floor else "-"
    print(f"| {title:32} | {fl:>14} | {cells[0]:>18} | {cells[1]:>18} | {cells[2]:>18} |")
engines = [
    ("JS→Go callback, ns/call", "callback", "ns"),
    ("Go→JS call add(a,b), ns/call", "call", "ns"),
    ("  same, *Function inside Pin", "callfast", "ns"),
    ("eval \"1+1\" in a live runtime, ns", "eval", "ns"),
    ("  same, inside Pin", "evalfast", "ns"),
    ("compute workload, ms", "compute", "ms"),
    ("JSON parse+stringify 1 MB, ms", "json", "ms"),
    ("held object: Get(\"x\"), ns", "objget", "ns"),
    ("  same, inside Pin", "objgetfast", "ns"),
    ("held object: Set(\"x\", i), ns", "objset", "ns"),
    ("await async fn result, ns", "await", "ns"),
]
if any(vals.get(f"{k}.{peer}") for _, k, _ in engines for peer in ("goja", "v8go")):
    print()
    print(f"| {'Go, same workloads':32} | {'v8runner':>12} | {'goja':>12} | {'v8go':>12} | {'goja / v8runner':>16} | {'v8go / v8runner':>16} |")
    print(f"|{'-'*34}|{'-'*13}:|{'-'*13}:|{'-'*13}:|{'-'*17}:|{'-'*17}:|")
    for title, key, _ in engines:
        ours = vals.get(f"{key}.go")
        cells, ratios = [], []
        for peer in ("goja", "v8go"):
            # The peers have no lock to pin: their one call figure stands
            # for both of ours.
            fast = {"callfast": "call", "evalfast": "eval", "objgetfast": "objget"}.get(key, "")
            theirs = vals.get(f"{key}.{peer}") or vals.get(f"{fast}.{peer}")
            cells.append(f"{theirs[0]:,.1f}" if theirs else "-")
            ratios.append(f"{theirs[0] / ours[0]:.2f}x" if ours and theirs else "-")
        o = f"{ours[0]:,.1f}" if ours else "-"
        print(f"| {title:32} | {o:>12} | {cells[0]:>12} | {cells[1]:>12} | {ratios[0]:>16} | {ratios[1]:>16} |")
    raw, rust = vals.get("compute.raw"), vals.get("compute.rust")
    if raw and rust:
        print(f"\ncompute workload: raw v8 crate {raw[0]:.2f} ms, v8runner (Rust) {rust[0]:.2f} ms ({raw[0] / rust[0]:.2f}x of raw speed)")
    print("(peer / v8runner > 1: v8runner is that many times faster; v8go is tommie/v8go, \"-\" where its")
    print(" peer program could not be built.)")

floors = [
    ("JS→Go callback, ns/call", "callback", "cgo C→Go + raw V8 callback"),
    ("Go→JS call add(a,b), ns/call", "call", "cgo Go→C + raw V8 call"),
    ("  same, *Function inside Pin", "callfast", "cgo Go→C + raw V8 call"),
]
if any(vals.get(f"{k}.cgo") for _, k, _ in floors):
    print()
    print(f"| {'Go vs its floor':32} | {'floor':>8} | {'(made of)':28} | {'v8runner':>9} | {'ratio':>6} |")
    print(f"|{'-'*34}|{'-'*9}:|{'-'*30}|{'-'*10}:|{'-'*7}:|")
    for title, key, made_of in floors:
        base = "call" if key == "callfast" else key
        cgo, raw, ours = vals.get(f"{base}.cgo"), vals.get(f"{base}.raw"), vals.get(f"{key}.go")
        if not (cgo and raw and ours):
            continue
        floor = cgo[0] + raw[0]
        print(f"| {title:32} | {floor:8.1f} | {made_of:28} | {ours[0]:9.1f} | {ours[0] / floor:5.2f}x |")

hook_rows = [("timer-heavy (setImmediate chain)", "hooks_timers"),
             ("promise-heavy (await loop)", "hooks_promises")]
if any(vals.get(f"{k}.off") for _, k in hook_rows):
    print()
    cols = [("c", "C hooks"), ("c_nodestroy", "C, no destroy"), ("c_nopromise", "C, no PROMISE"),
            ("js", "JS hooks"), ("als", "AsyncLocalStorage")]
    print(f"| {'async hooks (C), ns per hop':40} | {'off':>8} | " + " | ".join(f"{t:>17}" for _, t in cols) + " |")
    print(f"|{'-'*42}|{'-'*9}:|" + "|".join(f"{'-'*18}:" for _ in cols) + "|")
    for title, key in hook_rows:
        off = vals.get(f"{key}.off")
        if not off:
            continue
        cells = []
        for v, _ in cols:
            x = vals.get(f"{key}.{v}")
            cells.append(f"{x[0]:,.1f} ({x[0] / off[0]:.2f}x)" if x else "-")
        print(f"| {title:40} | {off[0]:8.1f} | " + " | ".join(f"{c:>17}" for c in cells) + " |")

ts, tsc = vals.get("tsload.nocache"), vals.get("tsload.cache")
if ts and tsc:
    size = vals.get("tsload.size", (0, ""))[0]
    print(f"\ntypescript.js (8.9 MB) in a fresh runtime: {ts[0]:.1f} ms compiled, {tsc[0]:.1f} ms from its "
          f"code cache ({size:.1f} MB): {ts[0] / tsc[0]:.2f}x faster")

loop_rows = [
    ("setImmediate hop, ns", "hooks_timers.off", "hooks_timers.node", "lower"),
    ("await hop, ns", "hooks_promises.off", "hooks_promises.node", "lower"),
    ("pool round trip p50, us", "pool_p50.c", "pool_p50.node", "lower"),
    ("pool round trip p99, us", "pool_p99.c", "pool_p99.node", "lower"),
    ("pool, 1,000 in flight, ops/s", "pool_tput.c", "pool_tput.node", "higher"),
    ("notifier into JS, 1 sender, msgs/s", "notify1.c", None, "higher"),
    ("notifier into JS, 4 senders, msgs/s", "notify4.c", None, "higher"),
    ("notifier wake-up from idle p50, us", "wake_p50.c", None, "lower"),
    ("notifier wake-up from idle p99, us", "wake_p99.c", None, "lower"),
]
if any(vals.get(k) for _, k, _, _ in loop_rows):
    print()
    print(f"| {'loop, pool, notifier (C)':36} | {'v8runner':>12} | {'Node 20':>12} | {'Node / v8runner':>16} |")
    print(f"|{'-'*38}|{'-'*13}:|{'-'*13}:|{'-'*17}:|")
    for title, ours_k, node_k, better in loop_rows:
        ours, node = vals.get(ours_k), vals.get(node_k) if node_k else None
        if not ours:
            continue
        ratio = "-"
        if node:
            ratio = f"{node[0] / ours[0]:.2f}x" if better == "lower" else f"{ours[0] / node[0]:.2f}x"
        n = f"{node[0]:,.1f}" if node else "-"
        print(f"| {title:36} | {ours[0]:>12,.1f} | {n:>12} | {ratio:>16} |")
    print("(Node / v8runner > 1: v8runner is that many times faster. Node's pool job is zlib.deflate of one")
    print(" byte, ours an empty work callback; notifier rows have no Node equivalent.)")

new, old, raw = vals.get("new.c"), vals.get("new_nosnapshot.c"), vals.get("new.raw")
if new and old and raw:
    print(f"\nRuntime create + free (C) from the built-in snapshot: {new[0]:,.1f} us ({new[0] / raw[0]:.2f}x a raw "
          f"isolate + context, {raw[0]:,.1f} us); running the prelude instead (V8RUNNER_NO_SNAPSHOT): "
          f"{old[0]:,.1f} us ({old[0] / raw[0]:.2f}x)")
tss, tsr, tse = vals.get("tsload.snapshot"), vals.get("tsload.rss_snapshot"), vals.get("tsload.rss_eval")
if ts and tss:
    print(f"typescript.js preloaded: a runtime from a snapshot holding it {tss[0]:.1f} ms, evaluating it "
          f"{ts[0]:.1f} ms: {tss[0] / ts[0]:.3f}x (snapshot {vals.get('tsload.snapsize', (0, ''))[0]:.1f} MB)")
    if tsr and tse:
        print(f"  RSS per live runtime with typescript.js: {tsr[0]:,.0f} KiB from the snapshot, "
              f"{tse[0]:,.0f} KiB evaluated")

new, bare, used = vals.get("new.c"), vals.get("new_bare.c"), vals.get("new_webused.c")
if new and bare:
    print(f"\nRuntime create + free (C): {new[0]:,.1f} us; bare (V8R_RUNTIME_NO_WEB_APIS) {bare[0]:,.1f} us: "
          f"the lazy web APIs cost {new[0] / bare[0]:.2f}x")
    if used:
        print(f"  with a web global read once (web.js compiled): {used[0]:,.1f} us ({used[0] / bare[0]:.2f}x bare)")

hs, hsgo = vals.get("heapstats.c"), vals.get("heapstats.go")
if hs:
    print(f"\nHeap statistics of a runtime: {hs[0]:,.1f} ns per call from C (owner thread)"
          + (f", {hsgo[0]:,.1f} ns from Go" if hsgo else ""))

rss = vals.get("rss_per_runtime.c")
rraw, rrust = vals.get("rss_idle.raw"), vals.get("rss_idle.rust")
if rraw and rrust:
    print(f"\nRSS per idle runtime (100 alive, a fresh process each): v8runner {rrust[0]:,.0f} KiB, "
          f"a raw isolate + context {rraw[0]:,.0f} KiB ({rrust[0] / rraw[0]:.2f}x)")
if rss:
    print(f"RSS per idle runtime (C, 100 alive after the other C benchmarks, reusing memory they freed): {rss[0]:,.0f} KiB")
idle = vals.get("idle_cpu.c")
if idle:
    print(f"CPU of a loop waiting 300 ms for a timer: {idle[0]:.2f} ms")
wake = vals.get("fanin_wakeups.c")
if wake:
    print(f"Loop wake-ups for 4 threads x 100,000 notifier sends: {wake[0]:,.0f}")
print("\n(x) = cost relative to the raw v8 crate in this run; 1.00x = no overhead.")
