// executionAsyncId()/triggerAsyncId() inside queueMicrotask callbacks with
// no hook set enabled. Node's queueMicrotask always makes a Microtask
// async resource: its own id, triggered by the caller.
// @include labels.js
const log = (...a) => console.log(a.map(String).join(' '));
const ids = () => `exec ${L(executionAsyncId())} trigger ${L(triggerAsyncId())}`;
queueMicrotask(() => log('microtask from top', ids()));
setTimeout(() => {
  log('timeout exec', L(executionAsyncId())); // (its trigger: ids_no_hooks_timers.js)
  queueMicrotask(() => log('microtask from timeout', ids()));
}, 1);
