// unref'd timers and immediates still run when due while something
// referenced keeps the loop alive; ref() undoes unref(); hasRef() reports
// the state of a pending timer. ref/unref return the timer itself. (When
// an unref'd immediate runs relative to timers is not fixed in Node: it
// does not keep the poll phase from waiting. It is only checked to have
// run by the time the referenced timer fires.)
const log = (...a) => console.log(a.map(String).join(' '));
const t = setTimeout(() => log('unref timer ran (a ref timer keeps the loop alive)'), 5);
log('hasRef fresh', t.hasRef());
log('unref returns the timer', t.unref() === t);
log('hasRef after unref', t.hasRef());
const t2 = setTimeout(() => log('re-ref timer ran'), 10);
log('ref returns the timer', t2.unref().ref() === t2);
log('hasRef after unref+ref', t2.hasRef());
let immediateRan = false;
const im = setImmediate(() => { immediateRan = true; });
im.unref();
log('immediate hasRef after unref', im.hasRef());
const iv = setInterval(() => log('must not run: unref interval, not due before the loop ends'), 500);
iv.unref();
setTimeout(() => log('ref timer ran; the unref immediate ran before it:', immediateRan), 50);
