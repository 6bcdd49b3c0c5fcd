// URL and URLSearchParams (WHATWG URL): parsing against a base, the
// components, setters, IDNA hosts, the search parameters kept in step.
const u = new URL('https://user:pa ss@EXAMPLE.com:443/a/./b/../c?x=1&y=2#frag');
for (const k of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) {
  console.log(k, JSON.stringify(u[k]));
}
console.log(new URL('../d?q#h', 'http://h.test/a/b/c').href);
console.log(new URL('HTTP://münchen.de/ä?ö=ü').href);
console.log(new URL('file:///C:/x/../y').href, new URL('blob:https://a.test/uuid').origin);
console.log(URL.canParse('nope'), URL.canParse('/p', 'http://h'), URL.canParse('http://[::1]:8080/'));
try {
  new URL('http://exa mple.com');
} catch (e) {
  console.log(e.name, e instanceof TypeError);
}
const s = new URL('http://h.test/p?b=2&a=1&a=3');
s.searchParams.append('c', 'x y&z');
console.log(s.href, s.search);
s.searchParams.sort();
console.log(s.search, s.searchParams.getAll('a').join(), s.searchParams.get('nope'), s.searchParams.size);
s.searchParams.delete('a');
s.search = '?k=v';
console.log(s.href, s.searchParams.get('k'));
s.port = '8080';
s.hostname = 'other.test';
s.pathname = '/new path';
s.hash = 'h2';
s.protocol = 'https';
console.log(s.href);
s.port = '443';
console.log(s.href, JSON.stringify(s.port));
s.username = 'me';
s.password = 'secret';
console.log(s.href, JSON.stringify(s), String(s));
s.href = 'http://replaced.test/';
console.log(s.href, s.searchParams.size);
const p = new URLSearchParams('?a=1&b=%20two+three&c=%E2%82%AC&d');
console.log([...p].map((e) => e.join('=')).join('|'), p.toString());
console.log(new URLSearchParams([['x', '1'], ['y', 'é']]).toString(), new URLSearchParams({ k: 'v', n: 5 }).toString());
const q = new URLSearchParams('a=1&a=2&b=3');
q.set('a', 'z');
console.log(q.toString(), q.has('b'), q.has('b', '4'), [...q.keys()].join(), [...q.values()].join());
q.forEach((v, k) => console.log('each', k, v));
// The standard's host parsing and encode sets.
for (const input of ['http://0x7f.1/', 'http://[2001:db8:0:0:0:0:0:1]:80/', 'ws://h:80/', 'wss://h:443/x', 'foo://bar/baz?q#f',
  'javascript:alert(1)', 'http://h/a b?c d#e f', "http://h/<>\"'`{}|^?<>\"'`#<>\"'`", 'http://%41.com/', 'http://h/%7e%7E',
  'mailto:a@b.c', 'http://h:0/', 'http://h:65535/', 'data:text/plain,hi', 'HTTPS://H/./../x/..']) {
  try {
    const x = new URL(input);
    console.log(JSON.stringify(input), '->', x.href, '|', x.host, '|', x.origin);
  } catch (e) {
    console.log(JSON.stringify(input), 'invalid');
  }
}
for (const bad of ['http://h:65536/', 'http://[::1', 'https://a b/', '//no-scheme', 'http://h%/', 'http://xn--/']) {
  console.log(JSON.stringify(bad), URL.canParse(bad));
}
