// executionAsyncId()/triggerAsyncId() inside promise reactions and after
// await with no hook set enabled. Node tracks no promise context then:
// reactions run with execution id 0 and trigger 0.
// @include labels.js
const log = (...a) => console.log(a.map(String).join(' '));
const ids = () => `exec ${L(executionAsyncId())} trigger ${L(triggerAsyncId())}`;
Promise.resolve().then(() => log('then from top', ids()));
(async () => { await null; log('after await at top', ids()); })();
setTimeout(() => {
  log('timeout exec', L(executionAsyncId())); // (its trigger: ids_no_hooks_timers.js)
  Promise.resolve().then(() => log('then from timeout', ids()));
  (async () => { await null; log('after await in timeout', ids()); })();
}, 1);
