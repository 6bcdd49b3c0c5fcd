// The async trace helper the hooks cases include (`// @include trace.js`;
// tests/node/compare.py expands it, the same for both engines).
// Hooks only record (printing from a hook would create resources in Node);
// report() prints the trace, then each resource's own events. Destroy is
// only in the per-resource lines: Node emits it later (from its native
// immediate queue), v8runner right after the last callback. PROMISE
// destroys come from the GC and are ignored.
// @include labels.js
const events = [];
const log = (...a) => events.push(a.map(String).join(' '));
const seen = new Map(); // id -> [type, its events...]
function traceHook(types) {
  const on = (name) => (id) => {
    const r = seen.get(id);
    if (r === undefined) return;
    r.push(name);
    log(name, L(id));
  };
  return asyncHooks.createHook({
    types,
    init(id, type, trigger) {
      if (!types.includes(type)) return;
      seen.set(id, [type, 'init']);
      log('init', L(id), type, 'trigger', L(trigger), 'exec', L(executionAsyncId()));
    },
    before: on('before'),
    after: on('after'),
    promiseResolve: on('resolve'),
    destroy(id) {
      const r = seen.get(id);
      if (r !== undefined && r[0] !== 'PROMISE') r.push('destroy');
    },
  });
}
function report() {
  for (const e of events) console.log(e);
  for (const [id, r] of seen) console.log('resource', L(id), r.join(' '));
}
