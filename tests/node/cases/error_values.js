// What is reported for exceptions and rejections of various kinds.
const log = (...a) => console.log(a.map(String).join(' '));
class MyErr extends Error {
  constructor(m) { super(m); this.name = 'MyErr'; }
}
const steps = [
  () => { throw new Error('plain'); },
  () => { throw 'a string'; },
  () => { throw 42; },
  () => { throw null; },
  () => { undefinedFunction(); },
  () => { null.x; },
  () => { throw new MyErr('custom'); },
  () => { throw new Error(); },
  () => { Promise.reject({}); },
  () => { Promise.reject(undefined); },
  () => { Promise.reject(null); },
  () => { Promise.reject(new MyErr('custom rejection')); },
  () => { Promise.reject([1, 2]); },
  () => { (async () => { throw new TypeError('from an async function'); })(); },
];
let i = 0;
function next() {
  if (i === steps.length) return;
  log('step', i);
  setImmediate(next);
  steps[i++]();
}
setImmediate(next);
