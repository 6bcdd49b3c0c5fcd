// Immediate resources: nested immediates, and one created by a timer.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Immediate']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
setImmediate(() => {
  log('I1 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  setImmediate(() => log('I1.1 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())));
});
setImmediate(() => log('I2 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())));
setTimeout(() => {
  setImmediate(() => log('from timer exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())));
}, 20);
