// Hooks follow Node's rule: an event goes to the hooks enabled when it
// happens. A hook enabled after a resource was created still hears its
// before/after/destroy (not its init); a disabled hook hears nothing.
// @include labels.js
const events = [];
const mine = new Set();
const t1 = setTimeout(() => events.push('t1 runs'), 5);
mine.add(t1[Symbol.toPrimitive]());
const hook = asyncHooks.createHook({
  init(id, type) { if (type === 'Timeout') { mine.add(id); events.push('init ' + L(id)); } },
  before(id) { if (mine.has(id)) events.push('before ' + L(id)); },
  after(id) { if (mine.has(id)) events.push('after ' + L(id)); },
});
L(t1[Symbol.toPrimitive]());
hook.enable();
setTimeout(() => {
  events.push('t2 runs');
  hook.disable();
  setTimeout(() => {
    events.push('t3 runs');
    for (const e of events) console.log(e);
  }, 5);
}, 10);
