// The top-level script throws after queueing microtasks and a timer, and
// after arranging to handle a rejection in a microtask: the microtasks run
// right after the error is reported, before any timer, so the rejection
// is handled and not reported.
const log = (...a) => console.log(a.map(String).join(' '));
log('start');
queueMicrotask(() => log('microtask'));
Promise.resolve().then(() => log('then 1')).then(() => log('then 2'));
const p = Promise.reject(new Error('rejected at top level'));
queueMicrotask(() => p.catch((e) => log('caught', e.message)));
setTimeout(() => log('timeout'), 5);
throw new Error('top-level failure');
