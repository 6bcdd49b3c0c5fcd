// Timers created together fire by delay, ties in creation order, however
// late the loop gets to them (the script busy-waits past all of them).
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
setTimeout(() => log('30ms'), 30);
setTimeout(() => log('10ms a'), 10);
setTimeout(() => log('20ms'), 20);
setTimeout(() => log('10ms b'), 10);
setTimeout(() => log('0ms'), 0);
setTimeout(() => log('5ms'), 5);
log('script done');
// Second round: all already due when the loop gets to them.
setTimeout(() => {
  setTimeout(() => log('late 30ms'), 30);
  setTimeout(() => log('late 10ms'), 10);
  setTimeout(() => log('late 20ms'), 20);
  busy(40);
  log('second round armed');
}, 40);
