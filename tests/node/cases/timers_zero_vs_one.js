// Timers with the same delay fire in creation order, extra arguments
// passed on. A delay of 0, a negative, missing, non-numeric or too large
// delay means 1 ms: such timers share the 1 ms order with real 1 ms timers.
// The script busy-waits so that all are due when the loop starts (then
// they run by delay, ties in creation order).
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => log('a 1ms'), 1);
setTimeout(() => log('b 0ms'), 0);
setTimeout(() => log('c 1ms'), 1);
setTimeout(() => log('d -1ms'), -1);
setTimeout(() => log('e no delay'));
setTimeout(() => log('f "abc"'), 'abc');
setTimeout(() => log('g 2ms'), 2);
setTimeout(() => log('h "1"'), '1');
setTimeout(() => log('i 2^31 (too big: 1ms)'), 2 ** 31);
for (const name of ['j', 'k', 'l']) setTimeout(() => log(name, '3ms'), 3);
setTimeout((x, y) => log('m 3ms with args', x, y), 3, 'x', 'y');
busy(10);
log('script done');
