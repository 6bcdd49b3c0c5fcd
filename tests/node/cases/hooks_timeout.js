// Timeout resources: init inside the creating callback (trigger: the
// creator, 1 at top level), before/after around the callback, destroy
// after it.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Timeout']);
setTimeout(() => { hook.disable(); report(); }, 200); // not traced: created before enable
hook.enable();
log('top exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
setTimeout(function outer() {
  log('outer exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  setTimeout(function inner() {
    log('inner exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  }, 1);
}, 1);
setTimeout(() => log('second exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())), 1);
setTimeout(() => log('third (30ms)'), 30);
