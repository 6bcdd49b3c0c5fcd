// PROMISE resources of an async function with awaits, run from top level.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['PROMISE']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
async function f() {
  log('f start exec', L(executionAsyncId()));
  await null;
  log('after await 1 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  await Promise.resolve(2);
  log('after await 2 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  return 3;
}
f().then((v) => log('f resolved', v));
log('script done');
