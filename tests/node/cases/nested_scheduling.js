// Immediate chains interleave turn by turn; a timer scheduling a timer
// and an immediate sees the immediate first.
const log = (...a) => console.log(a.map(String).join(' '));
function chain(name, k) {
  log(name, k);
  if (k < 3) setImmediate(chain, name, k + 1);
  else if (name === 'b') setTimeout(timers, 1, 0);
}
setImmediate(chain, 'a', 0);
setImmediate(chain, 'b', 0);
setImmediate(() => log('c once'));
function timers(depth) {
  log('timer depth', depth);
  if (depth === 3) return;
  setTimeout(timers, 1, depth + 1);
  setImmediate(() => log('immediate at depth', depth));
}
