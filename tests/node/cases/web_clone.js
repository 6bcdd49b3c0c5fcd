// structuredClone: V8's serializer, as in browsers and Node.
const src = { d: new Date(0), m: new Map([[1, { x: 1 }]]), s: new Set([1, 2]), r: /a/g, u: new Uint8Array([1, 2]),
  e: new RangeError('boom'), big: 10n, neg0: -0, nan: NaN, nested: [[1], { y: undefined }] };
src.self = src;
const c = structuredClone(src);
console.log(c !== src, c.self === c, c.d.getTime(), c.m.get(1).x, [...c.s].join(), c.r.source, c.r.flags,
  Array.from(c.u).join(), c.u instanceof Uint8Array, c.e instanceof RangeError, c.e.message, c.big, Object.is(c.neg0, -0),
  Number.isNaN(c.nan), 'y' in c.nested[1]);
for (const bad of [() => 1, Symbol('s'), { f() {} }]) {
  try {
    structuredClone(bad);
  } catch (e) {
    console.log(e.name, e.code, e instanceof DOMException);
  }
}
const ab = new ArrayBuffer(8);
new Uint8Array(ab)[0] = 7;
const moved = structuredClone(ab, { transfer: [ab] });
console.log(ab.byteLength, moved.byteLength, new Uint8Array(moved)[0]);
class Point { constructor() { this.x = 1; } }
const p = structuredClone(new Point());
console.log(p instanceof Point, p.x, Object.getPrototypeOf(p) === Object.prototype);
try {
  structuredClone();
} catch (e) {
  console.log(e.name);
}
// A SharedArrayBuffer's clone shares its memory.
const sab = new SharedArrayBuffer(4);
const sc = structuredClone({ sab }).sab;
new Uint8Array(sab)[0] = 9;
console.log(sc instanceof SharedArrayBuffer, sc !== sab, new Uint8Array(sc)[0]);
