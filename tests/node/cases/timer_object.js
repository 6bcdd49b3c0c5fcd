// The Timeout/Immediate object: `this` in the callback is that object,
// and hasRef() reports the object's flag (true unless unref'd) whether it
// is firing now, already fired, or was cleared.
const log = (...a) => console.log(a.map(String).join(' '));
const t = setTimeout(function () {
  log('timeout: this is the Timeout', this === t);
  log('hasRef inside its own callback', t.hasRef());
  setImmediate(() => log('hasRef after it fired', t.hasRef()));
}, 1);
const c = setTimeout(() => {}, 1);
clearTimeout(c);
log('hasRef after clearTimeout', c.hasRef());
setTimeout(() => {
  const i = setImmediate(function () {
    log('immediate: this is the Immediate', this === i);
    log('immediate hasRef inside its callback', i.hasRef());
  });
}, 20);
