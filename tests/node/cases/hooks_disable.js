// A hook set disabled while a resource it saw is pending: Node stops
// calling every hook of the set at once (no before/after/destroy later).
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
const hook = traceHook(['Timeout']);
setTimeout(() => report(), 200);
hook.enable();
setTimeout(() => log('timer created while enabled runs'), 5);
hook.disable();
setTimeout(() => log('timer created while disabled runs'), 5);
