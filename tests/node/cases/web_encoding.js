// TextEncoder / TextDecoder (WHATWG Encoding): UTF-8 both ways, encodeInto,
// the BOM, replacement vs fatal, streaming across chunk boundaries, UTF-16.
const enc = new TextEncoder();
console.log(enc.encoding, Array.from(enc.encode('h€llo \u{1F600}')).join(','));
console.log(Array.from(enc.encode('\uD800 lone')).join(','), enc.encode().length);
console.log(JSON.stringify(enc.encodeInto('a€b', new Uint8Array(4))));
console.log(JSON.stringify(enc.encodeInto('\u{1F600}', new Uint8Array(3))));
const dec = new TextDecoder();
console.log(dec.encoding, dec.fatal, dec.ignoreBOM);
console.log(JSON.stringify(dec.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x68, 0xC3, 0xA9, 0xFF, 0xE2, 0x82]))));
console.log(JSON.stringify(new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x41]))));
console.log(JSON.stringify(dec.decode(new Uint8Array([0xF0, 0x80, 0x80, 0x41, 0xED, 0xA0, 0x80, 0xC0, 0xAF]))));
const sd = new TextDecoder('utf-8');
let out = '';
for (const b of [0xE2, 0x82, 0xAC, 0xF0, 0x9F]) out += sd.decode(new Uint8Array([b]), { stream: true });
out += sd.decode(new Uint8Array([0x98, 0x80]));
console.log(out, out.length);
console.log(JSON.stringify(sd.decode(new Uint8Array([0xE2, 0x82]), { stream: true }) + '|' + sd.decode()));
try {
  new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xFF]));
} catch (e) {
  console.log(e.name, e.constructor.name);
}
console.log(new TextDecoder('utf-16le').decode(new Uint8Array([0x68, 0, 0x69, 0, 0x3D, 0xD8, 0x00, 0xDE])));
console.log(new TextDecoder(' UTF8 ').encoding, new TextDecoder('unicode-1-1-utf-8').encoding);
try {
  new TextDecoder('nope');
} catch (e) {
  console.log(e.name);
}
console.log(new TextDecoder().decode(new Uint16Array([0x6968]).buffer), new TextDecoder().decode(new DataView(new Uint8Array([0x6F, 0x6B]).buffer)));
