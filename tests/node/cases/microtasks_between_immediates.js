// The microtasks an immediate queues run before the next immediate.
const log = (...a) => console.log(a.map(String).join(' '));
for (const name of ['A', 'B', 'C']) {
  setImmediate(() => {
    log(name);
    queueMicrotask(() => log(name, 'microtask'));
    Promise.resolve().then(() => log(name, 'then 1')).then(() => log(name, 'then 2'));
    Promise.reject(new Error('x')).catch(() => log(name, 'catch'));
  });
}
