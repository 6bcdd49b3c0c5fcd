// Timer starts use the loop's clock (libuv's cached uv_now), not the wall
// clock: a timer made after a long synchronous stretch starts at the same
// time as one made before it, so the shorter delay fires first.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => log('a (20ms, made first)'), 20);
busy(40);
setTimeout(() => log('b (5ms, made 40ms later)'), 5);
setTimeout(() => {
  // inside a callback too: both start at this turn's loop time
  setTimeout(() => log('c (15ms)'), 15);
  busy(30);
  setTimeout(() => log('d (2ms, made 30ms later)'), 2);
}, 60);
