// A Timeout cleared by an earlier callback of the same batch (the script
// busy-waits so both are due at the first turn), or an Immediate cleared
// by an earlier immediate of the same turn: init and destroy only, no
// before/after (Node).
// @include trace.js (the async trace helper, shared by the hooks cases)
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
const hook = traceHook(['Timeout', 'Immediate']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
let b;
setTimeout(() => { log('a clears b'); clearTimeout(b); }, 5);
b = setTimeout(() => log('b must not run'), 5);
setTimeout(() => log('c runs'), 5);
busy(10);
setTimeout(() => {
  let ib;
  setImmediate(() => { log('ia clears ib'); clearImmediate(ib); });
  ib = setImmediate(() => log('ib must not run'));
  setImmediate(() => log('ic runs'));
}, 30);
