//! Startup snapshots: a host's bootstrap survives bytes, host functions
//! are bound again by name, and what cannot be kept is refused.

use std::sync::Arc;

use v8runner::error::Status;
use v8runner::host::{FunctionOptions, HostFunction};
use v8runner::snapshot::Snapshot;
use v8runner::{RunMode, Runtime, RuntimeOptions, Value};

fn creator() -> Arc<Runtime> {
    Arc::new(
        Runtime::new(RuntimeOptions {
            for_snapshot: true,
            ..Default::default()
        })
        .unwrap(),
    )
}

fn from(snapshot: &Arc<Snapshot>) -> Runtime {
    Runtime::new(RuntimeOptions {
        snapshot: Some(Arc::clone(snapshot)),
        ..Default::default()
    })
    .unwrap()
}

/// A runtime from a snapshot of `rt`.
fn restored(rt: Arc<Runtime>) -> Runtime {
    from(&Arc::new(Runtime::into_snapshot(rt).unwrap()))
}

fn add() -> HostFunction {
    HostFunction::Sync(Box::new(|args| {
        let n = |v: &Value| if let Value::Number(n) = v { *n } else { f64::NAN };
        Ok(Value::Number(n(&args[0]) + n(&args[1])))
    }))
}

#[test]
fn a_bootstrap_survives_bytes_and_host_functions_are_bound_again() {
    let rt = creator();
    rt.register("hostAdd", add(), FunctionOptions::default()).unwrap();
    rt.eval(
        "var counter = 41;
         class Greeter { constructor(p) { this.p = p } greet(n) { return this.p + n } }
         globalThis.hi = new Greeter('hi ');
         const viaHost = { f: hostAdd };
         globalThis.useHost = (a, b) => viaHost.f(a, b);
         globalThis.bytes = new Uint8Array(new ArrayBuffer(16)).fill(7);
         globalThis.view = new DataView(bytes.buffer);
         globalThis.encoded = new TextEncoder().encode('é');
         useHost(1, 2)",
        "boot.js",
        0,
    )
    .unwrap();
    let snapshot = Runtime::into_snapshot(rt).unwrap();
    // Through bytes, as a later process would load it.
    let loaded = Snapshot::from_bytes(snapshot.bytes()).unwrap();

    for _ in 0..3 {
        let rt = from(&loaded);
        assert_eq!(rt.eval("++counter", "", 0).unwrap(), Value::Number(42.0));
        assert_eq!(
            rt.eval("hi.greet('you')", "", 0).unwrap(),
            Value::String("hi you".into())
        );
        assert_eq!(
            rt.eval("bytes[3] + view.getUint8(15) + encoded.length", "", 0).unwrap(),
            Value::Number(16.0)
        );
        // The environment works: timers, the loop, microtasks, web APIs.
        rt.eval(
            "globalThis.log = []; setTimeout(() => log.push('t'), 1); Promise.resolve().then(() => log.push('p'))",
            "",
            0,
        )
        .unwrap();
        rt.run(RunMode::Default, 0).unwrap();
        assert_eq!(rt.eval("log.join()", "", 0).unwrap(), Value::String("p,t".into()));
        assert_eq!(
            rt.eval("new URL('../b', 'https://x.test/a/c').href + btoa('hi')", "", 0)
                .unwrap(),
            Value::String("https://x.test/b".to_string() + "aGk=")
        );
        // The host function is in the heap, bound to nothing yet.
        let e = rt.eval("useHost(2, 3)", "", 0).unwrap_err();
        assert_eq!(e.kind, Status::Exception);
        assert!(e.message.contains("\"hostAdd\" is not bound"), "{}", e.message);
        rt.register("hostAdd", add(), FunctionOptions::default()).unwrap();
        assert_eq!(rt.eval("useHost(2, 3)", "", 0).unwrap(), Value::Number(5.0));
        assert_eq!(rt.eval("hostAdd === viaHost.f", "", 0).unwrap(), Value::Bool(true));
        // Names the snapshot does not know are registered as usual.
        rt.register("other", add(), FunctionOptions::default()).unwrap();
        assert_eq!(rt.eval("other(1, 1)", "", 0).unwrap(), Value::Number(2.0));
    }
}

#[test]
fn what_a_snapshot_cannot_keep_is_refused_and_the_runtime_goes_on() {
    let rt = creator();
    rt.eval("globalThis.t = setTimeout(() => {}, 10000)", "", 0).unwrap();
    let e = rt.prepare_snapshot().unwrap_err();
    assert_eq!(e.kind, Status::BadInput);
    assert!(
        e.message.contains("1 timers or immediates are pending"),
        "{}",
        e.message
    );
    assert_eq!(rt.eval("clearTimeout(t); 7", "", 0).unwrap(), Value::Number(7.0));
    rt.eval("asyncHooks.createHook({ init() {} })", "", 0).unwrap();
    let e = rt.prepare_snapshot().unwrap_err();
    assert!(e.message.contains("async hook sets"), "{}", e.message);

    let rt = creator();
    rt.import("m", "", Some("export const x = 1"), 0).unwrap();
    let e = Runtime::into_snapshot(rt).unwrap_err();
    assert!(e.message.contains("ES modules"), "{}", e.message);

    // Only a runtime made for it.
    let plain = Arc::new(Runtime::new(RuntimeOptions::default()).unwrap());
    let e = Runtime::into_snapshot(Arc::clone(&plain)).unwrap_err();
    assert!(e.message.contains("not created for one"), "{}", e.message);
    assert_eq!(plain.eval("1 + 1", "", 0).unwrap(), Value::Number(2.0));

    // V8 refuses code caches in a creator (it would abort): an error here.
    let rt = creator();
    assert_eq!(rt.code_cache("1", "").unwrap_err().kind, Status::BadInput);
    // A FinalizationRegistry with a dead target is cleaned up first.
    rt.eval(
        "globalThis.fr = new FinalizationRegistry(() => {}); fr.register({}, 1); fr.register({}, 2)",
        "",
        0,
    )
    .unwrap();
    let rt = restored(rt);
    assert_eq!(
        rt.eval("typeof fr.register", "", 0).unwrap(),
        Value::String("function".into())
    );
}

#[test]
fn damaged_or_foreign_bytes_are_refused() {
    let rt = creator();
    rt.eval("var x = 1", "", 0).unwrap();
    let good = Runtime::into_snapshot(rt).unwrap().bytes().to_vec();
    let refused = |bytes: &[u8]| Snapshot::from_bytes(bytes).unwrap_err().message.clone();

    assert!(refused(b"").contains("header"));
    assert!(refused(b"hello world, not a snapshot at all").contains("header"));
    assert!(refused(&good[..40]).contains("truncated") || refused(&good[..40]).contains("damaged"));
    assert!(refused(&good[..good.len() - 1]).contains("header says"));
    let mut flipped = good.clone();
    let last = flipped.len() - 100;
    flipped[last] ^= 1;
    assert!(refused(&flipped).contains("checksum"));
    let mut header = good.clone();
    header[30] ^= 1;
    assert!(refused(&header).contains("header is damaged"));

    // Another build: same envelope, another build text (checksum redone).
    let build_len = u16::from_le_bytes([good[24], good[25]]) as usize;
    let text = String::from_utf8(good[26..26 + build_len].to_vec()).unwrap();
    let other = text.replacen("v8runner ", "v8runner 9.", 1);
    let mut foreign = good[..24].to_vec();
    foreign.extend_from_slice(&(other.len() as u16).to_le_bytes());
    foreign.extend_from_slice(other.as_bytes());
    foreign.extend_from_slice(&good[26 + build_len..]);
    let sum = crc32fast::hash(&foreign[12..26 + other.len()]);
    foreign[8..12].copy_from_slice(&sum.to_le_bytes());
    let message = refused(&foreign);
    assert!(
        message.contains("another build") && message.contains(&text),
        "{message}"
    );

    assert!(Snapshot::from_bytes(&good).is_ok());
}

#[test]
fn what_v8_cannot_serialize_is_refused_never_an_abort() {
    // Live Intl objects hold ICU memory through handles V8 cannot write.
    let rt = creator();
    rt.eval(
        "globalThis.fmt = new Intl.DateTimeFormat('en', { timeZone: 'UTC' })",
        "",
        0,
    )
    .unwrap();
    let e = rt.prepare_snapshot().unwrap_err();
    assert!(e.message.contains("Intl"), "{}", e.message);
    // Let it go, and the same runtime makes a snapshot (formatting itself
    // left nothing behind).
    rt.eval(
        "delete globalThis.fmt; (1234.5).toLocaleString('de') + new Date(0).toLocaleDateString('en')",
        "",
        0,
    )
    .unwrap();
    let restored = restored(rt);
    assert_eq!(
        restored
            .eval("new Intl.NumberFormat('de').format(1234.5)", "", 0)
            .unwrap(),
        Value::String("1.234,5".into())
    );

    // A runtime made for a snapshot and dropped instead, with an Intl
    // object and a value the host still holds: no abort.
    let rt = creator();
    let held = rt
        .eval("globalThis.c = new Intl.Collator('sv'); Promise.resolve(1)", "", 0)
        .unwrap();
    drop(rt);
    drop(held);

    // Values the host holds are released with the runtime it snapshots.
    let rt = creator();
    let held = rt
        .eval(
            "globalThis.keep = (async () => { await new Promise(() => {}) })(); keep",
            "",
            0,
        )
        .unwrap();
    assert!(matches!(held, Value::Object(_)));
    let snapshot = Arc::new(Runtime::into_snapshot(rt).unwrap());
    drop(held);

    // Suspended generators and async functions, resizable and transferred
    // buffers, regexps, proxies, symbols, errors with stacks: all kept.
    let rt = creator();
    rt.eval(
        "globalThis.gen = (function* () { yield 1; yield 2 })(); gen.next();
         globalThis.rab = new ArrayBuffer(8, { maxByteLength: 16 }); new Uint8Array(rab)[0] = 9;
         globalThis.moved = new ArrayBuffer(4); structuredClone(moved, { transfer: [moved] });
         globalThis.re = /a+(b)/g; re.exec('aab');
         globalThis.px = new Proxy({}, { get: (_, k) => k });
         globalThis.sym = Symbol.for('s'); globalThis.err = new Error('kept'); err.stack;",
        "",
        0,
    )
    .unwrap();
    let s2 = Arc::new(Runtime::into_snapshot(rt).unwrap());
    let rt = from(&s2);
    assert_eq!(
        rt.eval(
            "[gen.next().value, new Uint8Array(rab)[0], rab.resizable, moved.byteLength, re.lastIndex, px.q, \
             sym === Symbol.for('s'), err.message].join()",
            "",
            0
        )
        .unwrap(),
        Value::String("2,9,true,0,3,q,true,kept".into())
    );
    let rt = from(&snapshot);
    assert_eq!(rt.eval("keep instanceof Promise", "", 0).unwrap(), Value::Bool(true));
}

#[test]
fn a_runtime_used_from_other_threads_still_snapshots() {
    // Handles dropped off the creating thread are released before V8
    // serializes (the `v8` crate defers them for a non-shared isolate).
    let rt = Arc::new(
        Runtime::new(RuntimeOptions {
            for_snapshot: true,
            any_thread: true,
            ..Default::default()
        })
        .unwrap(),
    );
    let worker = Arc::clone(&rt);
    std::thread::spawn(move || {
        for i in 0..50 {
            let v = worker
                .eval(&format!("globalThis.o{i} = {{ i: {i} }}; [o{i}]"), "", 0)
                .unwrap();
            drop(v);
            let f = worker.eval("(() => 1)", "", 0).unwrap();
            drop(f);
        }
    })
    .join()
    .unwrap();
    let snapshot = std::thread::spawn(move || Runtime::into_snapshot(rt).unwrap())
        .join()
        .unwrap();
    let rt = from(&Arc::new(snapshot));
    assert_eq!(rt.eval("o49.i + o0.i", "", 0).unwrap(), Value::Number(49.0));
}
