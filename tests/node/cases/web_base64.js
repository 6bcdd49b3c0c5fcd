// atob / btoa (HTML's forgiving base64) and DOMException.
console.log(btoa(''), btoa('f'), btoa('fo'), btoa('foo'), btoa('\xff\xfe'));
console.log(atob('aGVsbG8='), atob(' aGVs bG8 '), atob('aGVsbG8'), JSON.stringify(atob('')));
for (const bad of ['a', 'a===', '*AAA', 'AA=A']) {
  try {
    atob(bad);
    console.log('decoded', bad);
  } catch (e) {
    console.log(bad, e.name, e.code, e instanceof DOMException, e instanceof Error);
  }
}
try {
  btoa('€');
} catch (e) {
  console.log(e.name, e.code);
}
const d = new DOMException('m', 'SyntaxError');
console.log(d.name, d.message, d.code, Object.prototype.toString.call(d), String(d));
console.log(new DOMException().name, JSON.stringify(new DOMException().message), DOMException.ABORT_ERR, d.DATA_CLONE_ERR);
console.log(Object.keys(d).length, 'message' in d, Object.hasOwn(d, 'message'));
// Thrown and not caught: reported with its name and message.
queueMicrotask(() => { throw new DOMException('late', 'InvalidStateError'); });
setTimeout(() => { throw new DOMException('later'); }, 1);
console.log(new DOMException('s', 'X').stack.split('\n')[0]);
