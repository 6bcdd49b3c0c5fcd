// A Timeout cleared by an earlier callback of the same batch (the script
// busy-waits so both are due at the first turn), or an Immediate cleared
// by an earlier immediate of the same turn: init and destroy only, no
// before/after (Node).
// --- async trace helper (the same in every hooks case) -----------------
// Async ids differ between engines: each is printed as a label (#1, #2,
// ... in order of first appearance); 0 and 1 (top level) stay as they are.
// Hooks only record (printing from a hook would create resources in Node);
// report() prints the trace, then each resource's own events. Destroy is
// only in the per-resource lines: Node emits it later (from its native
// immediate queue), v8runner right after the last callback. PROMISE
// destroys come from the GC and are ignored.
const { executionAsyncId, triggerAsyncId } = asyncHooks;
const labels = new Map();
const L = (id) => {
  if (id === 0 || id === 1) return String(id);
  if (!labels.has(id)) labels.set(id, '#' + (labels.size + 1));
  return labels.get(id);
};
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
// -----------------------------------------------------------------------
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
const hook = traceHook(['Timeout', 'Immediate']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
let b;
setTimeout(() => { log('a clears b'); clearTimeout(b); }, 5);
b = setTimeout(() => log('b must not run'), 5);
setTimeout(() => log('c runs'), 5);
busy(10);
setTimeout(() => {
  let ib;
  setImmediate(() => { log('ia clears ib'); clearImmediate(ib); });
  ib = setImmediate(() => log('ib must not run'));
  setImmediate(() => log('ic runs'));
}, 30);
