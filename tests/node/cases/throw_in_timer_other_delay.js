// A timer callback that throws still gets its microtask checkpoint before
// the next timer list runs.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => {
  log('A (2ms)');
  queueMicrotask(() => log('A microtask'));
  Promise.resolve().then(() => log('A then'));
  throw new Error('A failed');
}, 2);
setTimeout(() => log('B (3ms)'), 3);
busy(10);
