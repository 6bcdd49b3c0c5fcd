// executionAsyncId()/triggerAsyncId() inside timer and immediate callbacks
// with no hook set enabled: the callback's own id, and the id of the
// resource that created it (1 for top level). Ids printed as labels in
// order of first appearance; 0 and 1 as they are.
// @include labels.js
const log = (...a) => console.log(a.map(String).join(' '));
const ids = () => `exec ${L(executionAsyncId())} trigger ${L(triggerAsyncId())}`;
log('top', ids());
setImmediate(() => {
  log('immediate from top', ids());
  setTimeout(() => {
    log('timeout from immediate', ids());
    setImmediate(() => log('immediate from timeout', ids()));
  }, 1);
});
setTimeout(() => {
  log('timeout from top', ids());
  let n = 0;
  const iv = setInterval(() => {
    log('interval tick', ++n, ids());
    if (n === 2) clearInterval(iv);
  }, 2);
}, 30);
