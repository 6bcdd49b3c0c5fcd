// A timer cleared by an earlier callback of the same batch does not run,
// whether it has the same delay (same list in Node) or another one (the
// script busy-waits so that all are due at the first turn). The same for
// an immediate cleared by an earlier immediate of its turn, or by a timer;
// clearing twice, clearing a finished one or undefined/null is a no-op.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
let b, d, f;
setTimeout(() => { log('a clears b'); clearTimeout(b); }, 5);
b = setTimeout(() => log('b must not run'), 5);
setTimeout(() => { log('c clears d (another delay)'); clearTimeout(d); }, 5);
d = setTimeout(() => log('d must not run'), 6);
setTimeout(() => { log('e clears f by its primitive id'); clearTimeout(fid); }, 6);
f = setTimeout(() => log('f must not run'), 7);
const fid = +f;
setTimeout(() => log('g runs'), 7);
busy(20);
log('script done');
setTimeout(() => {
  let ib;
  const ia = setImmediate(() => { log('ia clears ib'); clearImmediate(ib); clearImmediate(ib); clearImmediate(ia); });
  ib = setImmediate(() => log('ib must not run'));
  setImmediate(() => log('ic runs'));
  const x = setImmediate(() => log('x must not run'));
  clearImmediate(x);
  clearImmediate(undefined);
  clearImmediate(null);
  clearTimeout(undefined);
  clearTimeout(null);
  log('timer cleared x');
}, 30);
