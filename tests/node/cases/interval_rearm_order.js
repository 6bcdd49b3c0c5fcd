// An interval goes back to the end of its list after each run (started at
// that turn's loop time); timers of other durations interleave by expiry.
const log = (...a) => console.log(a.map(String).join(' '));
let n = 0;
const iv = setInterval(() => {
  log('interval', ++n);
  if (n === 4) clearInterval(iv);
}, 10);
setTimeout(() => log('timeout 25'), 25);
setTimeout(() => log('timeout 10, made after the interval'), 10);
setTimeout(() => log('timeout 55'), 55);
