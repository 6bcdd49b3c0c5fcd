// An unhandled rejection is reported after the microtasks of the callback
// (or script) that made it, before the next callback; non-Error reasons
// are reported as String(reason).
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => {
  log('A');
  Promise.reject(new Error('A rejected'));
  queueMicrotask(() => log('A microtask'));
  Promise.resolve().then(() => log('A then'));
}, 5);
setTimeout(() => {
  log('B');
  Promise.reject('a string');
  Promise.reject(42);
}, 5);
setImmediate(() => {
  log('I');
  Promise.resolve().then(() => { throw new TypeError('thrown in a then'); });
});
setTimeout(() => {
  log('C');
  (async () => { await null; throw new RangeError('async function failed'); })();
}, 30);
Promise.reject(new Error('top rejected'));
log('top end');
busy(10);
