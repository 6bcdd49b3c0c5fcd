//! The floor: the same work done directly on the `v8` crate, beside the
//! same work through v8runner's Rust layer, in one run. Prints
//! `BENCH <name> <value> <unit>` lines that tests/bench/report.py turns into
//! the table (medians of ROUNDS rounds).

use std::time::Instant;

use v8runner::{runv8, Runtime, RuntimeOptions};

const ROUNDS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Median ns per iteration of `f` over ROUNDS rounds of `iters`.
fn ns_per_op(iters: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 10 + 1 {
        f();
    }
    median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..iters {
                    f();
                }
                t.elapsed().as_nanos() as f64 / iters as f64
            })
            .collect(),
    )
}

fn report(name: &str, value: f64, unit: &str) {
    println!("BENCH {name} {value:.1} {unit}");
}

/// Raw one-shot: reused isolate, fresh context, compile, run, String().
fn raw_oneshot(isolate: &mut v8::OwnedIsolate, src: &str) -> String {
    let scope = std::pin::pin!(v8::HandleScope::new(isolate));
    let mut scope = scope.init();
    let context = v8::Context::new(&scope, Default::default());
    let scope = &mut v8::ContextScope::new(&mut scope, context);
    let code = v8::String::new(scope, src).unwrap();
    let script = v8::Script::compile(scope, code, None).unwrap();
    let result = script.run(scope).unwrap();
    result.to_string(scope).unwrap().to_rust_string_lossy(scope)
}

/// Two threads, each doing `iters` of `f`; returns ops per second (median).
fn throughput_2(iters: usize, f: fn(usize)) -> f64 {
    median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                let hs: Vec<_> = (0..2).map(|_| std::thread::spawn(move || f(iters))).collect();
                hs.into_iter().for_each(|h| h.join().unwrap());
                (2 * iters) as f64 / t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// The global function `name` of `context`.
fn global_fn<'s>(
    scope: &mut v8::PinScope<'s, '_>,
    context: v8::Local<v8::Context>,
    name: &str,
) -> v8::Local<'s, v8::Function> {
    let key = v8::String::new(scope, name).unwrap();
    let f = context.global(scope).get(scope, key.into()).unwrap();
    v8::Local::<v8::Function>::try_from(f).unwrap()
}

/// Resident memory of this process, KiB.
fn rss_kib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// RSS per idle isolate + context (`raw`) or runtime (`rust`), 100 alive,
/// each having run one script, after one made and dropped first (the
/// process-wide parts). In a process of its own, so neither way finds
/// memory the other freed.
fn rss_child(which: &str) {
    const LIVE: usize = 100;
    let raw = || {
        let mut isolate = v8::Isolate::new(Default::default());
        let context = {
            let scope = std::pin::pin!(v8::HandleScope::new(&mut isolate));
            let mut scope = scope.init();
            let context = v8::Context::new(&scope, Default::default());
            let scope = &mut v8::ContextScope::new(&mut scope, context);
            let code = v8::String::new(scope, "var x = 1").unwrap();
            v8::Script::compile(scope, code, None).unwrap().run(scope).unwrap();
            v8::Global::new(scope, context)
        };
        Box::new((context, isolate)) as Box<dyn std::any::Any>
    };
    let ours = || {
        let rt = Runtime::new(RuntimeOptions::default()).unwrap();
        rt.eval("var x = 1", "", 0).unwrap();
        Box::new(rt) as Box<dyn std::any::Any>
    };
    let make: &dyn Fn() -> Box<dyn std::any::Any> = if which == "raw" { &raw } else { &ours };
    drop(make());
    let before = rss_kib();
    let live: Vec<_> = (0..LIVE).map(|_| make()).collect();
    let per = (rss_kib() - before) / LIVE as f64;
    report(&format!("rss_idle.{which}"), per, "KiB");
    // The raw contexts' Globals must go before their isolates: exit
    // without tearing down (the measure is taken).
    std::mem::forget(live);
    std::process::exit(0);
}

fn main() {
    v8runner::platform::ensure_initialized().expect("V8 starts");
    let args: Vec<String> = std::env::args().collect();
    if let Some(which) = args.iter().find_map(|a| a.strip_prefix("--rss-child=")) {
        rss_child(which);
    }
    for which in ["raw", "rust"] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .arg(format!("--rss-child={which}"))
            .output()
            .expect("the RSS child runs");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
    let iters = 2000;

    // One-shot, one thread.
    {
        let isolate = &mut v8::Isolate::new(Default::default());
        report(
            "oneshot.raw",
            ns_per_op(iters, || assert_eq!(raw_oneshot(isolate, "1+1"), "2")) / 1e3,
            "us",
        );
    }
    report(
        "oneshot.rust",
        ns_per_op(iters, || assert_eq!(runv8::run_to_string("1+1").unwrap(), "2")) / 1e3,
        "us",
    );

    // One-shot, two threads at once.
    report(
        "oneshot2.raw",
        throughput_2(iters, |n| {
            let isolate = &mut v8::Isolate::new(Default::default());
            for _ in 0..n {
                raw_oneshot(isolate, "1+1");
            }
        }),
        "ops/s",
    );
    report(
        "oneshot2.rust",
        throughput_2(iters, |n| {
            for _ in 0..n {
                runv8::run_to_string("1+1").unwrap();
            }
        }),
        "ops/s",
    );

    // Eval of a small script in a live context.
    {
        let isolate = &mut v8::Isolate::new(Default::default());
        let scope = std::pin::pin!(v8::HandleScope::new(isolate));
        let mut scope = scope.init();
        let context = v8::Context::new(&scope, Default::default());
        let scope = &mut v8::ContextScope::new(&mut scope, context);
        report(
            "eval.raw",
            ns_per_op(200_000, || {
                let inner = std::pin::pin!(v8::HandleScope::new(scope));
                let inner = inner.init();
                let code = v8::String::new(&inner, "1+1").unwrap();
                let script = v8::Script::compile(&inner, code, None).unwrap();
                assert_eq!(script.run(&inner).unwrap().number_value(&inner), Some(2.0));
            }),
            "ns",
        );
    }
    {
        let rt = Runtime::new(RuntimeOptions::default()).unwrap();
        report(
            "eval.rust",
            ns_per_op(200_000, || drop(rt.eval("1+1", "", 0).unwrap())),
            "ns",
        );
    }

    // Creation of an isolate + context, then disposal.
    report(
        "new.raw",
        ns_per_op(200, || {
            let isolate = &mut v8::Isolate::new(Default::default());
            let scope = std::pin::pin!(v8::HandleScope::new(isolate));
            let scope = scope.init();
            v8::Context::new(&scope, Default::default());
        }) / 1e3,
        "us",
    );
    report(
        "new.rust",
        ns_per_op(200, || drop(Runtime::new(RuntimeOptions::default()).unwrap())) / 1e3,
        "us",
    );

    // A JS function call with fresh arguments, and a native callback from
    // JS, on the raw crate: the V8 part of Go→JS calls and JS→Go callbacks.
    {
        let isolate = &mut v8::Isolate::new(Default::default());
        let scope = std::pin::pin!(v8::HandleScope::new(isolate));
        let mut scope = scope.init();
        let context = v8::Context::new(&scope, Default::default());
        let scope = &mut v8::ContextScope::new(&mut scope, context);
        let inc = v8::Function::new(
            scope,
            |scope: &mut v8::PinScope, args: v8::FunctionCallbackArguments, mut rv: v8::ReturnValue<v8::Value>| {
                let x = args.get(0).integer_value(scope).unwrap_or(0);
                rv.set(v8::Number::new(scope, (x + 1) as f64).into());
            },
        )
        .unwrap();
        let key = v8::String::new(scope, "inc").unwrap();
        context.global(scope).set(scope, key.into(), inc.into());
        let src = "function add(a, b) { return a + b }\nfunction loop(n) { let x = 0; for (let i = 0; i < n; i++) x = inc(x); return x }";
        let code = v8::String::new(scope, src).unwrap();
        v8::Script::compile(scope, code, None).unwrap().run(scope).unwrap();
        let add = global_fn(scope, context, "add");
        let mut i = 0.0;
        report(
            "call.raw",
            ns_per_op(500_000, || {
                let inner = std::pin::pin!(v8::HandleScope::new(scope));
                let inner = inner.init();
                i += 1.0;
                let args = [v8::Number::new(&inner, i).into(), v8::Number::new(&inner, 1.0).into()];
                let recv = v8::undefined(&inner).into();
                std::hint::black_box(add.call(&inner, recv, &args).unwrap().number_value(&inner));
            }),
            "ns",
        );
        let lp = global_fn(scope, context, "loop");
        report(
            "callback.raw",
            ns_per_op(20, || {
                let inner = std::pin::pin!(v8::HandleScope::new(scope));
                let inner = inner.init();
                let args = [v8::Number::new(&inner, 10000.0).into()];
                let recv = v8::undefined(&inner).into();
                std::hint::black_box(lp.call(&inner, recv, &args));
            }) / 10000.0,
            "ns",
        );
    }

    // The compute workload the engine comparison runs (same JS file).
    let compute = include_str!("workloads/compute.js");
    {
        let isolate = &mut v8::Isolate::new(Default::default());
        let scope = std::pin::pin!(v8::HandleScope::new(isolate));
        let mut scope = scope.init();
        let context = v8::Context::new(&scope, Default::default());
        let scope = &mut v8::ContextScope::new(&mut scope, context);
        let run = |scope: &mut v8::PinScope, src: &str| {
            let inner = std::pin::pin!(v8::HandleScope::new(scope));
            let inner = inner.init();
            let code = v8::String::new(&inner, src).unwrap();
            let script = v8::Script::compile(&inner, code, None).unwrap();
            script.run(&inner).unwrap().number_value(&inner).unwrap()
        };
        run(scope, compute);
        report(
            "compute.raw",
            ns_per_op(10, || {
                std::hint::black_box(run(scope, "compute()"));
            }) / 1e6,
            "ms",
        );
    }
    {
        let rt = Runtime::new(RuntimeOptions::default()).unwrap();
        rt.eval(compute, "", 0).unwrap();
        report(
            "compute.rust",
            ns_per_op(10, || drop(rt.eval("compute()", "", 0).unwrap())) / 1e6,
            "ms",
        );
    }
}
