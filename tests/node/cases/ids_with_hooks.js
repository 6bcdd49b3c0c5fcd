// executionAsyncId()/triggerAsyncId() inside timer, immediate, promise,
// await and queueMicrotask callbacks while a hook set tracking all four
// types is enabled (the hooks themselves do nothing).
// @include labels.js
const log = (...a) => console.log(a.map(String).join(' '));
const ids = () => `exec ${L(executionAsyncId())} trigger ${L(triggerAsyncId())}`;
asyncHooks.createHook({ init() {}, types: ['Timeout', 'Immediate', 'PROMISE', 'Microtask'] }).enable();
log('top', ids());
setTimeout(() => {
  log('timeout', ids());
  setImmediate(() => log('immediate from timeout', ids()));
  Promise.resolve().then(() => log('then from timeout', ids()));
  queueMicrotask(() => log('microtask from timeout', ids()));
  (async () => { await null; log('after await in timeout', ids()); })();
}, 1);
