// Where a callback's microtasks run relative to its before/after: Node
// calls the timer's after hook first, then runs the microtasks it queued
// (each in its own before/after).
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Timeout', 'PROMISE', 'Microtask']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
setTimeout(() => {
  log('timer');
  queueMicrotask(() => log('microtask exec', L(executionAsyncId())));
  Promise.resolve().then(() => log('then exec', L(executionAsyncId())));
}, 1);
