// A fractional delay is truncated to whole milliseconds (Node:
// "accuracy of sub-millisecond timers is not assumed"): a 1.5 ms timer is
// a 1 ms timer and keeps its creation order among them.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => log('a 1ms'), 1);
setTimeout(() => log('b 1.5ms'), 1.5);
setTimeout(() => log('c 1ms'), 1);
setTimeout(() => log('d 1.9ms'), 1.9);
setTimeout(() => log('e 2ms'), 2);
busy(10);
