// executionAsyncId()/triggerAsyncId() inside queueMicrotask callbacks with
// no hook set enabled. Node's queueMicrotask always makes a Microtask
// async resource: its own id, triggered by the caller.
const { executionAsyncId, triggerAsyncId } = asyncHooks;
const labels = new Map();
const L = (id) => {
  if (id === 0 || id === 1) return String(id);
  if (!labels.has(id)) labels.set(id, '#' + (labels.size + 1));
  return labels.get(id);
};
const log = (...a) => console.log(a.map(String).join(' '));
const ids = () => `exec ${L(executionAsyncId())} trigger ${L(triggerAsyncId())}`;
queueMicrotask(() => log('microtask from top', ids()));
setTimeout(() => {
  log('timeout exec', L(executionAsyncId())); // (its trigger: ids_no_hooks_timers.js)
  queueMicrotask(() => log('microtask from timeout', ids()));
}, 1);
