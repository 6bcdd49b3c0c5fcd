// The microtasks a timer callback queues (queueMicrotask, then chains)
// all run before the next timer of the same batch.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
for (const name of ['A', 'B']) {
  setTimeout(() => {
    log(name);
    queueMicrotask(() => {
      log(name, 'microtask');
      queueMicrotask(() => log(name, 'nested microtask'));
    });
    Promise.resolve().then(() => log(name, 'then 1')).then(() => log(name, 'then 2'));
    log(name, 'end');
  }, 5);
}
setTimeout(() => log('C (6ms)'), 6);
busy(15);
