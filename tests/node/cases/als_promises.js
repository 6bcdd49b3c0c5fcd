// AsyncLocalStorage follows await, then and queueMicrotask; two chains
// interleaving never mix their stores.
const log = (...a) => console.log(a.map(String).join(' '));
const als = new AsyncLocalStorage();
async function chain(name) {
  log(name, 'start', als.getStore());
  await null;
  log(name, 'after await 1', als.getStore());
  queueMicrotask(() => log(name, 'microtask', als.getStore()));
  await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 30 : 1));
  log(name, 'after timer await', als.getStore());
  await new Promise((resolve) => setImmediate(resolve));
  log(name, 'after immediate await', als.getStore());
  return name;
}
als.run('store-a', () => chain('a')).then((v) => log('chain', v, 'resolved in', als.getStore()));
als.run('store-b', () => chain('b')).then((v) => log('chain', v, 'resolved in', als.getStore()));
als.run('store-c', () => {
  Promise.resolve().then(() => log('then in c', als.getStore()));
});
log('top', als.getStore());
