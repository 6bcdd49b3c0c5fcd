// From inside a timer callback an immediate always runs before a 0 ms
// timeout (the check phase comes before the next timers phase). From an
// immediate, new immediates wait for the next loop turn: a timer already
// due by then (the callback busy-waits past it) runs first, one not yet
// due runs after.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => {
  setTimeout(() => log('timeout 0 from timer'), 0);
  setImmediate(() => log('immediate from timer'));
  setTimeout(() => log('timeout 1 from timer'), 1);
  setImmediate(() => log('immediate 2 from timer'));
  log('timer callback');
}, 1);
setTimeout(() => {
  setImmediate(() => {
    setTimeout(() => log('timeout 0 from immediate (due)'), 0);
    setImmediate(() => log('immediate from immediate'));
    busy(10);
    log('first immediate');
  });
  setImmediate(() => log('second immediate (same turn)'));
}, 50);
setTimeout(() => {
  setImmediate(() => {
    setTimeout(() => log('timeout 50 from immediate (not due)'), 50);
    setImmediate(() => log('immediate from immediate, round 2'));
    log('round 2 immediate');
  });
}, 100);
