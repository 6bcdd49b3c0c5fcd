// Microtask resources (queueMicrotask): init at the call, before/after
// around the function, destroy after; nested ones are triggered by the
// enclosing microtask.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Microtask']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
queueMicrotask(() => {
  log('m1 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId()));
  queueMicrotask(() => log('m1.1 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())));
});
queueMicrotask(() => log('m2 exec', L(executionAsyncId()), 'trigger', L(triggerAsyncId())));
log('script done');
