// AsyncLocalStorage follows setTimeout, setImmediate and setInterval
// callbacks; nested run() shadows and restores; exit() hides the store.
const log = (...a) => console.log(a.map(String).join(' '));
const als = new AsyncLocalStorage();
const other = new asyncHooks.AsyncLocalStorage();
log('outside', als.getStore());
als.run('A', () => {
  log('in run A', als.getStore());
  setTimeout(() => {
    log('timeout in A', als.getStore(), other.getStore());
    other.run('O', () => setImmediate(() => log('immediate in A+O', als.getStore(), other.getStore())));
  }, 20);
  setImmediate(() => log('immediate in A', als.getStore()));
  als.run('B', () => {
    log('nested run B', als.getStore());
    setTimeout(() => log('timeout in B', als.getStore()), 60);
  });
  log('back in A', als.getStore());
  als.exit(() => {
    log('exit', als.getStore());
    setTimeout(() => log('timeout in exit', als.getStore()), 100);
  });
  let n = 0;
  const iv = setInterval(() => {
    log('interval tick in A', ++n, als.getStore());
    if (n === 2) clearInterval(iv);
  }, 150);
});
log('after run', als.getStore());
log('run returns', als.run('C', (x, y) => x + y + als.getStore(), 'x', 'y'));
