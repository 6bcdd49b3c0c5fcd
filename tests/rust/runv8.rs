//! The one-shot calls on the isolate pool.

use v8runner::error::Status;
use v8runner::runv8;

#[test]
fn oneshot_pool_is_bounded_and_contexts_are_fresh() {
    let threads: Vec<_> = (0..32)
        .map(|i| {
            std::thread::spawn(move || {
                let src = format!("var seen = typeof marker; var marker = {i}; seen + ':' + marker");
                runv8::run_to_string(&src).unwrap()
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        assert_eq!(t.join().unwrap(), format!("undefined:{i}"));
    }
    assert!(runv8::pool_live() <= runv8::pool_capacity());
    assert_eq!(runv8::run_to_string("").unwrap_err().kind, Status::BadInput);
}
