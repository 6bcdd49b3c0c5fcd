// A callback that unrefs the last referenced timer ends the loop: the
// interval stops once it is the only (unref'd) thing left.
const log = (...a) => console.log(a.map(String).join(' '));
let n = 0;
const iv = setInterval(() => {
  n++;
  log('tick', n);
  if (n === 3) {
    iv.unref();
    log('unref: hasRef', iv.hasRef());
  }
}, 5);
const t = setTimeout(() => log('must not run: unref-ed by a callback'), 300);
setImmediate(() => { t.unref(); log('immediate unref-ed the 300ms timer'); });
