//! ES modules through a host loader: graphs with cycles and re-exports,
//! top-level await, dynamic import, import.meta, JSON and host modules,
//! and the errors of each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use v8runner::error::Status;
use v8runner::module::{Loaded, ModuleSource};
use v8runner::{Runtime, RuntimeOptions, Value};

/// A loader over in-memory files: "./x" and "/x" resolve to "mem:/x".
fn loader(files: &[(&str, &str)], calls: Arc<Mutex<Vec<String>>>) -> v8runner::module::Loader {
    let files: HashMap<String, String> = files
        .iter()
        .map(|(k, v)| (format!("mem:/{k}"), v.to_string()))
        .collect();
    Arc::new(move |specifier: &str, _referrer: &str, resolve_only: bool| {
        let name = format!("mem:/{}", specifier.trim_start_matches("./").trim_start_matches('/'));
        calls.lock().unwrap().push(name.clone());
        let text = files.get(&name).ok_or_else(|| format!("no file {name}"))?;
        let source = if resolve_only {
            None
        } else if name.ends_with(".json") {
            Some(ModuleSource::Json(text.clone()))
        } else {
            Some(ModuleSource::JavaScript(text.clone()))
        };
        Ok(Loaded {
            name,
            source,
            cache: None,
        })
    })
}

fn get(rt: &Runtime, ns: &v8runner::ObjectRef, key: &str) -> Value {
    rt.get(ns, key, false).unwrap()
}

#[test]
fn module_graphs_run_once_with_cycles_reexports_and_tla() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    let calls = Arc::new(Mutex::new(Vec::new()));
    rt.set_module_loader(loader(
        &[
            ("main.js", "import a, { b } from './a.js'; import * as all from './re.js'; import data from './d.json' with { type: 'json' };\nexport const out = a + b + all.c + data.n; export const url = import.meta.url; export const there = import.meta.resolve('./a.js');\nawait new Promise(r => setTimeout(r, 5)); export const late = 'after TLA';"),
            ("a.js", "import { b } from './b.js'; export default 1; export { b }; globalThis.aRuns = (globalThis.aRuns || 0) + 1;"),
            ("b.js", "import a from './a.js'; export const b = 2; export function useA() { return a }"),
            ("re.js", "export { b as c } from './b.js';"),
            ("d.json", "{\"n\": 10}"),
        ],
        calls.clone(),
    ))
    .unwrap();
    let ns = rt.import("./main.js", "", None, 0).unwrap();
    assert_eq!(get(&rt, &ns, "out"), Value::Number(15.0));
    assert_eq!(get(&rt, &ns, "url"), Value::String("mem:/main.js".into()));
    assert_eq!(get(&rt, &ns, "there"), Value::String("mem:/a.js".into()));
    assert_eq!(get(&rt, &ns, "late"), Value::String("after TLA".into()));
    // Imported again: the same instance, not run twice.
    let again = rt.import("/main.js", "", None, 0).unwrap();
    assert_eq!(get(&rt, &again, "out"), Value::Number(15.0));
    assert_eq!(rt.eval("aRuns", "", 0).unwrap(), Value::Number(1.0));
}

#[test]
fn dynamic_import_host_modules_and_source_modules() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.set_module_loader(loader(
        &[("lib.js", "export const twice = (x) => x * 2;")],
        Arc::default(),
    ))
    .unwrap();
    rt.define_module("host:kv", vec![("version".into(), Value::Number(3.0))])
        .unwrap();
    assert_eq!(rt.define_module("host:kv", vec![]).unwrap_err().kind, Status::Exists);
    let ns = rt
        .import(
            "mem:/app.js",
            "",
            Some("import { version } from 'host:kv'; export const v = version; export let fromTimer; setTimeout(async () => { fromTimer = (await import('./lib.js')).twice(21) }, 1);"),
            0,
        )
        .unwrap();
    assert_eq!(get(&rt, &ns, "v"), Value::Number(3.0));
    rt.run(v8runner::RunMode::Default, 0).unwrap();
    assert_eq!(get(&rt, &ns, "fromTimer"), Value::Number(42.0));
    // import() from a classic script, with a JSON module refused without its type.
    let p = rt.eval("import('./lib.js').then(m => m.twice(4))", "", 0).unwrap();
    let Value::Object(p) = p else { panic!("not a promise") };
    assert_eq!(rt.await_value(&p, false, 0).unwrap(), Value::Number(8.0));
}

#[test]
fn module_errors_say_what_and_where() {
    let rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.set_module_loader(loader(
        &[
            ("bad.js", "import { x } from './nope.js';\nexport const y = x;"),
            ("syntax.js", "export const = 1;"),
            ("throws.js", "throw new RangeError('module failed');"),
            ("d.json", "{}"),
            ("usesjson.js", "import d from './d.json'; export default d;"),
        ],
        Arc::default(),
    ))
    .unwrap();
    let e = rt.import("./bad.js", "", None, 0).unwrap_err();
    assert!(
        e.message.contains("\"./nope.js\"") && e.message.contains("mem:/bad.js:1:19") && e.message.contains("no file"),
        "{}",
        e.message
    );
    let e = rt.import("./syntax.js", "", None, 0).unwrap_err();
    assert_eq!(e.kind, Status::SyntaxError);
    assert_eq!(e.resource_name.as_deref(), Some("mem:/syntax.js"));
    let first = rt.import("./throws.js", "", None, 0).unwrap_err();
    let second = rt.import("./throws.js", "", None, 0).unwrap_err();
    assert!(first.message.contains("module failed") && second.message.contains("module failed"));
    assert_eq!(second.name.as_deref(), Some("RangeError"));
    let e = rt.import("./usesjson.js", "", None, 0).unwrap_err();
    assert!(e.message.contains("type: 'json'"), "{}", e.message);
    // The runtime is still usable, and a runtime without a loader says so.
    assert_eq!(rt.eval("1 + 1", "", 0).unwrap(), Value::Number(2.0));
    let plain = Runtime::new(RuntimeOptions::default()).unwrap();
    let e = plain.import("./x.js", "", None, 0).unwrap_err();
    assert!(e.message.contains("no module loader"), "{}", e.message);
}
