// PROMISE resources from top-level code: init (trigger: the parent
// promise for then-derived ones), resolve, before/after around reactions.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['PROMISE']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
const p = Promise.resolve(1);
log('created p');
p.then((v) => {
  log('then 1 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  return v + 1;
}).then((v) => log('then 2 got', v, 'exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())));
new Promise((resolve) => resolve('x')).then((v) => log('new Promise then', v));
Promise.reject(new Error('r')).catch((e) => log('catch', e.message));
log('script done');
