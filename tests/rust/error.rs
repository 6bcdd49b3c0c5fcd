//! The error model: kinds, locations, stacks, status numbers.

use v8runner::error::Status;
use v8runner::{Runtime, RuntimeOptions};

#[test]
fn errors_carry_kind_location_and_stack() {
    let rt = Runtime::new(RuntimeOptions {
        name: "named".into(),
        ..Default::default()
    })
    .unwrap();
    let e = rt.eval("1 +", "", 0).unwrap_err();
    assert_eq!(e.kind, Status::SyntaxError);
    assert_eq!(e.resource_name.as_deref(), Some("named"));
    let e = rt.eval("\n\n  undefinedFn()", "file.js", 0).unwrap_err();
    assert_eq!((e.kind, e.line, e.column), (Status::Exception, 3, 3));
    assert!(e.stack.as_deref().unwrap().contains("file.js:3:3"));
    assert_eq!(
        e.to_string(),
        "file.js:3:3: Uncaught ReferenceError: undefinedFn is not defined"
    );
}

#[test]
fn status_numbers_are_validated() {
    assert_eq!(Status::from_u32(4), Some(Status::HeapLimit));
    assert_eq!(Status::from_u32(13), Some(Status::Timeout));
    assert_eq!(Status::from_u32(14), Some(Status::OutOfMemory));
    assert_eq!(Status::from_u32(15), Some(Status::Pending));
    assert_eq!(Status::from_u32(16), Some(Status::Exists));
    assert_eq!(Status::from_u32(17), None);
    assert_eq!(Status::from_u32(u32::MAX), None);
    assert_eq!(Status::HeapLimit.name(), "heap limit");
}
