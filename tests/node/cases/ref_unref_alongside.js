// unref'd timers and immediates still run when due while something
// referenced keeps the loop alive; ref() undoes unref(); hasRef() reports
// the state of a pending timer. ref/unref return the timer itself.
const log = (...a) => console.log(a.map(String).join(' '));
const t = setTimeout(() => log('unref timer ran (a ref timer keeps the loop alive)'), 5);
log('hasRef fresh', t.hasRef());
log('unref returns the timer', t.unref() === t);
log('hasRef after unref', t.hasRef());
const t2 = setTimeout(() => log('re-ref timer ran'), 10);
log('ref returns the timer', t2.unref().ref() === t2);
log('hasRef after unref+ref', t2.hasRef());
const im = setImmediate(() => log('unref immediate ran (a ref timer keeps the loop alive)'));
im.unref();
log('immediate hasRef after unref', im.hasRef());
const iv = setInterval(() => log('must not run: unref interval, not due before the loop ends'), 500);
iv.unref();
setTimeout(() => log('ref timer ran'), 50);
