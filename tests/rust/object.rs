//! Live values: references held across calls, methods with `this`,
//! promises awaited, errors that keep their identity, name rules.

use v8runner::error::Status;
use v8runner::host::{FunctionOptions, HostFunction, Thrown};
use v8runner::{ObjectType, Runtime, RuntimeOptions, Value};

fn object(rt: &Runtime, src: &str) -> v8runner::ObjectRef {
    match rt.eval_as(src, "", 0, true).unwrap() {
        Value::Object(o) => o,
        other => panic!("not an object: {other:?}"),
    }
}

#[test]
fn references_outlive_calls_and_are_released() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    let base = rt.referenced();
    let counter = object(&rt, "({n: 0, inc(by) { return this.n += by }})");
    assert_eq!(counter.object_type(), ObjectType::Object);
    rt.call_method(
        &counter,
        Some("inc"),
        [Value::Number(2.0)].into_iter().collect(),
        false,
        0,
    )
    .unwrap();
    assert_eq!(rt.get(&counter, "n", false).unwrap(), Value::Number(2.0));
    rt.set(&counter, "label", Value::String("c".into())).unwrap();
    assert!(rt.has(&counter, "label").unwrap());
    assert_eq!(rt.keys(&counter).unwrap(), vec!["n", "inc", "label"]);
    assert!(rt.delete(&counter, "label").unwrap());
    assert_eq!(rt.referenced(), base + 1);
    drop(counter);
    rt.eval("1", "", 0).unwrap(); // the next entry releases it
    assert_eq!(rt.referenced(), base);
    // Another runtime's reference is refused.
    let other = Runtime::new(RuntimeOptions::default()).unwrap();
    let foreign = object(&other, "({})");
    assert_eq!(rt.get(&foreign, "x", false).unwrap_err().kind, Status::Closed);
}

#[test]
fn promises_are_awaited_and_unhandled_rejections_returned() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    let p = match rt.eval("new Promise(r => setTimeout(() => r(7), 5))", "", 0).unwrap() {
        Value::Object(p) => p,
        other => panic!("{other:?}"),
    };
    assert!(p.is_promise());
    assert_eq!(rt.await_value(&p, false, 0).unwrap(), Value::Number(7.0));
    let e = rt.eval("Promise.reject(new TypeError('lost')); 1", "", 0).unwrap_err();
    assert_eq!(e.kind, Status::Exception);
    assert!(
        e.message.starts_with("Uncaught (in promise) TypeError: lost"),
        "{}",
        e.message
    );
    assert_eq!(e.name.as_deref(), Some("TypeError"));
    let never = match rt.eval("new Promise(() => {})", "", 0).unwrap() {
        Value::Object(p) => p,
        other => panic!("{other:?}"),
    };
    assert_eq!(rt.await_value(&never, false, 0).unwrap_err().kind, Status::Pending);
}

#[test]
fn host_errors_keep_tags_and_exceptions_their_identity() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.register(
        "fail",
        HostFunction::Sync(Box::new(|_| {
            Err(Thrown::Error {
                message: "mine".into(),
                tag: 9,
            })
        })),
        FunctionOptions::default(),
    )
    .unwrap();
    let e = rt
        .eval(
            "try { fail() } catch (c) { throw new RangeError('outer', {cause: c}) }",
            "",
            0,
        )
        .unwrap_err();
    assert_eq!((e.host_tag, e.name.as_deref()), (9, Some("RangeError")));
    let thrown = e.exception.clone().expect("the exception, live");
    assert_eq!(
        rt.get(&thrown, "message", false).unwrap(),
        Value::String("outer".into())
    );
    // Rethrown by a host function: the very same object.
    let keep = thrown.clone();
    rt.register(
        "rethrow",
        HostFunction::Sync(Box::new(move |_| Err(Thrown::Value(Value::Object(keep.clone()))))),
        FunctionOptions::default(),
    )
    .unwrap();
    let g = rt.global().unwrap();
    rt.set(&g, "orig", Value::Object(thrown)).unwrap();
    assert_eq!(
        rt.eval("try { rethrow() } catch (x) { x === orig }", "", 0).unwrap(),
        Value::Bool(true)
    );
}

#[test]
fn globals_are_not_replaced_by_accident() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    let f = || HostFunction::Sync(Box::new(|_| Ok(Value::Number(1.0))));
    let e = rt.register("Math", f(), FunctionOptions::default()).unwrap_err();
    assert_eq!(e.kind, Status::Exists);
    assert_eq!(
        rt.register("a-b", f(), FunctionOptions::default()).unwrap_err().kind,
        Status::BadInput
    );
    assert_eq!(
        rt.register("typeof", f(), FunctionOptions::default()).unwrap_err().kind,
        Status::BadInput
    );
    let replace = FunctionOptions {
        replace: true,
        ..Default::default()
    };
    rt.register("setTimeout", f(), replace).unwrap();
    assert_eq!(rt.eval("setTimeout()", "", 0).unwrap(), Value::Number(1.0));
    assert_eq!(rt.register("undefined", f(), replace).unwrap_err().kind, Status::Exists);
}
