// Rejections handled in the same callback, in a microtask, or a few
// microtask ticks later are not reported; one handled only in a later
// timer is reported (once) when the callback's microtasks are done.
const log = (...a) => console.log(a.map(String).join(' '));
setTimeout(() => {
  log('A');
  const p1 = Promise.reject(new Error('p1'));
  p1.catch((e) => log('caught in the same callback', e.message));
  const p2 = Promise.reject(new Error('p2'));
  queueMicrotask(() => p2.catch((e) => log('caught in a microtask', e.message)));
  const p3 = Promise.reject(new Error('p3'));
  Promise.resolve().then(() => {}).then(() => p3.catch((e) => log('caught two ticks later', e.message)));
  const p4 = Promise.reject(new Error('p4'));
  setTimeout(() => p4.catch((e) => log('caught in a later timer', e.message)), 5);
  log('A end');
}, 1);
