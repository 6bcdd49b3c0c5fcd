// The async type of a setInterval timer: Node calls it "Timeout", the
// same as setTimeout.
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Timeout', 'Interval']);
setTimeout(() => { hook.disable(); report(); }, 200);
hook.enable();
let n = 0;
const iv = setInterval(() => {
  n++;
  log('tick', n);
  if (n === 2) clearInterval(iv);
}, 5);
