// A callback queues microtasks and arranges to handle a rejection in a
// microtask, then throws: the microtasks run right after the error is
// reported, so the rejection is handled and never reported as unhandled.
// The second time it is the last callback of the program: its microtasks
// must still run.
const log = (...a) => console.log(a.map(String).join(' '));
function failing(name) {
  log(name);
  queueMicrotask(() => log(name, 'microtask'));
  Promise.resolve().then(() => log(name, 'then'));
  const p = Promise.reject(new Error(name + ' rejection'));
  queueMicrotask(() => p.catch((e) => log('caught', e.message)));
  throw new Error(name + ' failed');
}
setTimeout(failing, 1, 'first');
setTimeout(() => log('a later timer'), 30);
setTimeout(failing, 60, 'last');
