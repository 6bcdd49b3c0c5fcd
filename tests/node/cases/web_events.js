// EventTarget, Event, CustomEvent, AbortController, AbortSignal.
const t = new EventTarget();
const order = [];
t.addEventListener('x', (e) => order.push(`once:${e.type}:${e.target === t}:${e.currentTarget === t}`), { once: true });
const obj = { handleEvent(e) { order.push(`obj:${e.type}`); } };
t.addEventListener('x', obj);
t.addEventListener('x', obj); // a duplicate is ignored
const stopper = (e) => { order.push('stopper'); e.stopImmediatePropagation(); };
t.addEventListener('y', stopper);
t.addEventListener('y', () => order.push('never'));
console.log(t.dispatchEvent(new Event('x')), t.dispatchEvent(new CustomEvent('x', { detail: 5 })), t.dispatchEvent(new Event('y')));
console.log(order.join(' '));
t.removeEventListener('x', obj);
console.log(t.dispatchEvent(new Event('x')));
const ce = new CustomEvent('c', { detail: { a: 1 }, cancelable: true });
ce.preventDefault();
console.log(ce.detail.a, ce.defaultPrevented, ce.cancelable, ce.bubbles, new Event('e').defaultPrevented);
const ne = new Event('n');
ne.preventDefault();
console.log(ne.defaultPrevented, ne.isTrusted, Event.AT_TARGET, typeof ne.timeStamp);
const cancelMe = new EventTarget();
cancelMe.addEventListener('go', (e) => e.preventDefault());
console.log(cancelMe.dispatchEvent(new Event('go', { cancelable: true })), cancelMe.dispatchEvent(new Event('go')));

const ac = new AbortController();
ac.signal.addEventListener('abort', (e) => console.log('abort event', e.type, ac.signal.reason.name, ac.signal.reason.message));
ac.signal.onabort = () => console.log('onabort');
console.log(ac.signal.aborted, ac.signal.reason);
ac.abort();
ac.abort('again'); // no second event
console.log(ac.signal.aborted);
try {
  ac.signal.throwIfAborted();
} catch (e) {
  console.log('thrown', e.name, e instanceof DOMException);
}
const own = new AbortController();
own.abort(new Error('mine'));
console.log(own.signal.reason.message);
const pre = AbortSignal.abort('why');
console.log(pre.aborted, pre.reason);
const src1 = new AbortController();
const src2 = new AbortController();
const both = AbortSignal.any([src1.signal, src2.signal]);
both.addEventListener('abort', () => console.log('any aborted:', both.reason));
src2.abort('second');
src1.abort('first');
console.log(AbortSignal.any([pre]).reason);
const listenerGone = new AbortController();
const tt = new EventTarget();
tt.addEventListener('z', () => console.log('z heard'), { signal: listenerGone.signal });
tt.dispatchEvent(new Event('z'));
listenerGone.abort();
tt.dispatchEvent(new Event('z'));
const ts = AbortSignal.timeout(5);
ts.addEventListener('abort', () => console.log('timeout', ts.reason.name, ts.reason.code));
setTimeout(() => console.log('after timeout', ts.aborted), 40);
try {
  new AbortSignal();
} catch (e) {
  console.log(e.name);
}
