// A timer or immediate cleared before it fires gets init and destroy
// only: at top level, or from a callback of another loop turn.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Timeout', 'Immediate']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
const t1 = setTimeout(() => log('t1 must not run'), 1);
clearTimeout(t1);
const i1 = setImmediate(() => log('i1 must not run'));
clearImmediate(i1);
const t2 = setTimeout(() => log('t2 must not run'), 50);
setImmediate(() => { log('immediate clears t2'); clearTimeout(t2); });
setTimeout(() => log('t3 runs'), 60);
