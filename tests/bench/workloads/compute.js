function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }
function sieve(n) {
  const flags = new Uint8Array(n + 1); let count = 0;
  for (let i = 2; i <= n; i++) { if (!flags[i]) { count++; for (let j = i * 2; j <= n; j += i) flags[j] = 1 } }
  return count;
}
function points(n) {
  const ps = [];
  for (let i = 0; i < n; i++) ps.push({ x: (i * 7919) % 1000, y: (i * 104729) % 997, name: 'p' + i });
  ps.sort((a, b) => a.x - b.x || a.y - b.y);
  return ps[n >> 1].x + ps[n - 1].y;
}
function compute() { return fib(25) + sieve(200000) + points(20000) }
