// An unref'd immediate, or an unref'd timer that is already due, with
// nothing referenced pending: Node's loop is not alive, so it runs no
// turn and neither callback runs.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setImmediate(() => log('must not run: unref immediate, loop not alive')).unref();
setTimeout(() => log('must not run: unref due timer, loop not alive'), 1).unref();
busy(10);
log('script done');
