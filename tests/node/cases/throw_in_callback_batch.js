// A callback that throws is reported and its batch goes on. Node runs the
// next timer of the same list, or the next immediate of the turn, before
// the thrower's microtasks (it re-enters its timer/immediate processing
// without a checkpoint); later callbacks still run.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => {
  log('A');
  queueMicrotask(() => log('A microtask'));
  Promise.resolve().then(() => log('A then'));
  throw new Error('A failed');
}, 5);
setTimeout(() => log('B'), 5);
setTimeout(() => log('C'), 5);
busy(10);
setTimeout(() => {
  setImmediate(() => {
    log('I1');
    queueMicrotask(() => log('I1 microtask'));
    throw new Error('I1 failed');
  });
  setImmediate(() => log('I2'));
  setImmediate(() => {
    setTimeout(() => log('timer after the throwing turn'), 1);
  });
}, 30);
