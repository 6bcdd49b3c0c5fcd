// clearTimeout and clearInterval are interchangeable for timeouts and
// intervals; clearTimeout(immediate) does nothing in Node (only
// clearImmediate clears an immediate).
const log = (...a) => console.log(a.map(String).join(' '));
const t = setTimeout(() => log('timeout cleared by clearInterval must not run'), 1);
clearInterval(t);
let n = 0;
const iv = setInterval(() => { n++; log('interval tick', n); if (n === 2) clearTimeout(iv); }, 2);
const im = setImmediate(() => log('immediate passed to clearTimeout runs'));
clearTimeout(im);
