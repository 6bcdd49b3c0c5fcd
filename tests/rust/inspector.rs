//! The inspector: CPU profiles through an internal session, and a
//! protocol session driven from another thread.

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use v8runner::{Runtime, RuntimeOptions, Value};

fn top_frame(profile: &serde_json::Value) -> String {
    let nodes = profile["nodes"].as_array().expect("nodes");
    let top = nodes
        .iter()
        .max_by_key(|n| n["hitCount"].as_u64().unwrap_or(0))
        .expect("a node");
    top["callFrame"]["functionName"].as_str().unwrap_or("").to_string()
}

fn samples_of(profile: &serde_json::Value) -> usize {
    profile["samples"].as_array().map_or(0, |s| s.len())
}

fn any_thread_runtime() -> Arc<Runtime> {
    Arc::new(Runtime::new(crate::any_thread()).unwrap())
}

/// A protocol session of `rt` whose messages arrive on the receiver.
fn session(rt: &Arc<Runtime>) -> (u64, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let id = rt
        .inspector_connect(Arc::new(move |m| {
            let _ = tx.lock().unwrap().send(m);
        }))
        .unwrap();
    (id, rx)
}

/// Stop the runtime's profile and parse the `.cpuprofile` it writes.
fn stop_profile(rt: &Runtime) -> serde_json::Value {
    let mut out = Vec::new();
    rt.stop_cpu_profile(|b| {
        out.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    serde_json::from_slice(&out).expect("a .cpuprofile is JSON")
}

const HOT: &str = "function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) % 7; return s }
     function cold() { return 1 }
     cold(); hotLoop(3e7)";

/// V8's own sampler samples only the thread that started the profile; a
/// Go program's calls run on any thread.
#[test]
fn a_cpu_profile_follows_the_runtime_to_other_threads() {
    let rt = any_thread_runtime();
    let starter = Arc::clone(&rt);
    std::thread::spawn(move || starter.start_cpu_profile(200).unwrap())
        .join()
        .unwrap();
    for _ in 0..2 {
        let runner = Arc::clone(&rt);
        std::thread::spawn(move || runner.eval(HOT, "hot.js", 0).unwrap())
            .join()
            .unwrap();
    }
    let profile = stop_profile(&rt);
    let samples = samples_of(&profile);
    assert!(samples > 20, "{samples} samples");
    assert_eq!(top_frame(&profile), "hotLoop");
    let hits: u64 = profile["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["hitCount"].as_u64().unwrap())
        .sum();
    assert_eq!(hits as usize, samples, "hit counts add up to the samples");
}

#[test]
fn a_cpu_profile_names_the_hot_function() {
    let rt = Arc::new(Runtime::new(RuntimeOptions::default()).unwrap());
    rt.start_cpu_profile(200).unwrap();
    assert!(rt.start_cpu_profile(200).is_err(), "one profile at a time");
    rt.eval(HOT, "hot.js", 0).unwrap();
    let profile = stop_profile(&rt);
    assert!(profile["startTime"].is_number() && samples_of(&profile) > 10);
    assert_eq!(top_frame(&profile), "hotLoop");
    // Stopped: another one can start, and stopping twice is an error.
    assert!(rt.stop_cpu_profile(|_| Ok(())).is_err());
    rt.start_cpu_profile(0).unwrap();
    rt.stop_cpu_profile(|_| Ok(())).unwrap();
}

#[test]
fn a_protocol_session_evaluates_and_sees_console_messages() {
    let rt = Arc::new(
        Runtime::new(RuntimeOptions {
            any_thread: true,
            console: Some(Arc::new(|_, _| {})),
            ..Default::default()
        })
        .unwrap(),
    );
    let (id, rx) = session(&rt);
    rt.inspector_send(id, r#"{"id":1,"method":"Runtime.enable"}"#.into());
    rt.inspector_send(
        id,
        r#"{"id":2,"method":"Runtime.evaluate","params":{"expression":"6 * 7"}}"#.into(),
    );
    // Served by the pump thread: nothing else runs in the runtime now.
    let answer = rx.iter().find(|m| m.starts_with(r#"{"id":2,"#)).unwrap();
    assert!(answer.contains(r#""value":42"#), "{answer}");
    rt.eval("console.log('hello', 'devtools')", "", 0).unwrap();
    let seen = (0..50)
        .filter_map(|_| rx.recv_timeout(Duration::from_millis(100)).ok())
        .find(|m| m.contains("Runtime.consoleAPICalled"));
    let seen = seen.expect("the console message reached the session");
    assert!(seen.contains("devtools"), "{seen}");
    rt.inspector_disconnect(id);
    assert_eq!(rt.eval("1 + 1", "", 0).unwrap(), Value::Number(2.0));
}

#[test]
fn a_session_connecting_during_a_pause_waits_and_loses_nothing() {
    let rt = any_thread_runtime();
    let answer = |rx: &mpsc::Receiver<String>, id: u32| {
        let prefix = format!("{{\"id\":{id},");
        (0..100)
            .filter_map(|_| rx.recv_timeout(Duration::from_millis(100)).ok())
            .find(|m| m.starts_with(&prefix))
    };
    let (a, rx_a) = session(&rt);
    rt.inspector_send(a, r#"{"id":1,"method":"Debugger.enable"}"#.into());
    rt.inspector_send(
        a,
        r#"{"id":2,"method":"Debugger.setBreakpointByUrl","params":{"url":"pause.js","lineNumber":1}}"#.into(),
    );
    assert!(answer(&rx_a, 2).is_some());
    let runner = Arc::clone(&rt);
    let eval = std::thread::spawn(move || runner.eval("function f(x) {\n  return x + 1;\n}\nf(1)", "pause.js", 0));
    let paused = (0..100)
        .filter_map(|_| rx_a.recv_timeout(Duration::from_millis(100)).ok())
        .find(|m| m.contains("Debugger.paused"));
    assert!(paused.is_some(), "the breakpoint holds the script");
    // B connects while A's script is held; A's next message is served
    // during the pause all the same.
    let (b, rx_b) = session(&rt);
    rt.inspector_send(
        a,
        r#"{"id":3,"method":"Runtime.evaluate","params":{"expression":"6 * 7"}}"#.into(),
    );
    let during = answer(&rx_a, 3).expect("served while paused");
    assert!(during.contains(r#""value":42"#), "{during}");
    rt.inspector_send(a, r#"{"id":4,"method":"Debugger.resume"}"#.into());
    assert_eq!(eval.join().unwrap().unwrap(), Value::Number(2.0));
    // B's session exists once the script went on.
    rt.inspector_send(
        b,
        r#"{"id":5,"method":"Runtime.evaluate","params":{"expression":"2 + 3"}}"#.into(),
    );
    let later = answer(&rx_b, 5).expect("B answered after the pause");
    assert!(later.contains(r#""value":5"#), "{later}");
}
