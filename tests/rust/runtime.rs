//! Runtimes: state across calls, typed values, threads, call ids, limits.

use std::sync::Arc;
use std::time::Duration;

use v8runner::error::Status;
use v8runner::{runv8, RunMode, Runtime, RuntimeOptions, Value};

use crate::any_thread;

#[test]
fn runtime_keeps_state_and_types_values() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    assert_eq!(rt.eval("var a = [1, 2]; a.push(3)", "", 0).unwrap(), Value::Number(3.0));
    assert_eq!(rt.eval("a", "", 0).unwrap(), Value::Json("[1,2,3]".into()));
    assert_eq!(rt.eval("'x' + a.length", "", 0).unwrap(), Value::String("x3".into()));
    assert_eq!(
        rt.eval("12345678901234567890n", "", 0).unwrap(),
        Value::BigInt("12345678901234567890".into())
    );
    assert_eq!(
        rt.eval("new Uint16Array([1, 256]).buffer", "", 0).unwrap(),
        Value::Bytes(vec![1, 0, 0, 1])
    );
    assert_eq!(rt.eval("void 0", "", 0).unwrap(), Value::Undefined);
}

#[test]
fn owner_thread_is_enforced_and_any_thread_mode_is_shared() {
    let owned = Arc::new(Runtime::new(RuntimeOptions::default()).unwrap());
    let other = Arc::clone(&owned);
    let e = std::thread::spawn(move || other.eval("1", "", 0).unwrap_err())
        .join()
        .unwrap();
    assert_eq!(e.kind, Status::WrongThread);

    let shared = Arc::new(Runtime::new(any_thread()).unwrap());
    shared.eval("var hits = 0", "", 0).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let rt = Arc::clone(&shared);
            std::thread::spawn(move || {
                for _ in 0..100 {
                    rt.eval("hits++", "", 0).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(shared.eval("hits", "", 0).unwrap(), Value::Number(400.0));
    // Dropped here on the test thread; the last Arc may be anywhere.
}

#[test]
fn terminate_call_hits_only_its_call() {
    let rt = Arc::new(Runtime::new(any_thread()).unwrap());
    let stopper = Arc::clone(&rt);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        stopper.terminate_call(2); // another call (not arrived yet): no effect on 1
        stopper.terminate_call(3);
    });
    // Call 1 runs 300 ms and finishes: the stops above were not for it.
    let busy = "var t0 = Date.now(); while (Date.now() - t0 < 300) {} 'done'";
    assert_eq!(rt.eval(busy, "", 1).unwrap(), Value::String("done".into()));
    t.join().unwrap();
    // Calls 2 and 3 were asked to stop before they started; 4 was not.
    assert_eq!(rt.eval("1", "", 3).unwrap_err().kind, Status::Terminated);
    assert_eq!(rt.eval("1", "", 4).unwrap(), Value::Number(1.0));
    assert_eq!(rt.eval("1", "", 2).unwrap_err().kind, Status::Terminated);
    // A running call stops by its own id.
    let stopper = Arc::clone(&rt);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        stopper.terminate_call(5);
    });
    assert_eq!(rt.eval("while (true) {}", "", 5).unwrap_err().kind, Status::Terminated);
    t.join().unwrap();
    assert_eq!(rt.eval("2", "", 6).unwrap(), Value::Number(2.0));
}

#[test]
fn heap_limit_closes_the_runtime_only() {
    let opts = RuntimeOptions {
        heap: v8runner::isolate::HeapLimits {
            initial_bytes: 0,
            max_bytes: 20 << 20,
            array_buffer_bytes: 0,
        },
        ..Default::default()
    };
    let rt = Runtime::new(opts).unwrap();
    let e = rt
        .eval("let s = []; for (;;) s.push(new Array(1000).fill(s.length))", "", 0)
        .unwrap_err();
    assert_eq!(e.kind, Status::HeapLimit);
    assert!(rt.is_closed());
    assert_eq!(rt.eval("1", "", 0).unwrap_err().kind, Status::Closed);
    assert_eq!(runv8::run_to_string("'ok'").unwrap(), "ok");
}

/// The loop runs turns that are ready at once under one lock, but lets a
/// call from another thread in after the turn it arrives in: with 1 ms
/// turns, such a call waits about one turn, not a batch of them (64 ms).
#[test]
fn a_busy_loop_lets_other_threads_in_between_turns() {
    let rt = Arc::new(Runtime::new(any_thread()).unwrap());
    rt.eval(
        "globalThis.hops = 0;
         (function hop() {
             hops++;
             const t = performance.now();
             while (performance.now() - t < 1) {}
             if (!globalThis.stop) setImmediate(hop);
         })()",
        "busy.js",
        0,
    )
    .unwrap();
    let looper = Arc::clone(&rt);
    let running = std::thread::spawn(move || looper.run(RunMode::Default, 0).map(|o| o.alive));
    let mut waits = Vec::new();
    for _ in 0..15 {
        // Give the loop the runtime, then ask for it.
        std::thread::sleep(Duration::from_millis(3));
        let asked = std::time::Instant::now();
        rt.eval("hops", "", 0).unwrap();
        waits.push(asked.elapsed());
    }
    rt.eval("globalThis.stop = true", "", 0).unwrap();
    assert!(!running.join().unwrap().unwrap(), "the loop ended with nothing left");
    assert!(rt.eval("hops", "", 0).unwrap() != Value::Number(1.0), "the loop ran");
    waits.sort();
    assert!(
        waits[waits.len() / 2] < Duration::from_millis(16),
        "waits for the runtime: {waits:?}"
    );
}
