// setInterval runs until cleared (here from its own callback after three
// runs, with arguments); an interval cleared before its first run never
// runs; microtasks of each tick run right after it.
const log = (...a) => console.log(a.map(String).join(' '));
let n = 0;
const iv = setInterval((tag, k) => {
  n++;
  log('tick', tag, k, n);
  Promise.resolve().then(() => log('microtask of tick', n));
  if (n === 3) {
    clearInterval(iv);
    clearInterval(iv);
    setTimeout(() => log('after clear'), 20);
  }
}, 5, 'x', 7);
const never = setInterval(() => log('never'), 1);
clearInterval(never);
