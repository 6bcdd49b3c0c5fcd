// Node 20's side of the loop benchmarks (make bench): the same workloads
// as tests/c/bench.c, printed as BENCH lines for report.py.
const zlib = require('zlib');
const { performance } = require('perf_hooks');

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const ROUNDS = 5;

function immediateHop(n) {
  return new Promise((done) => {
    const t0 = performance.now();
    let i = 0;
    (function next() { if (++i < n) setImmediate(next); else done((performance.now() - t0) * 1e6 / n); })();
  });
}

async function awaitHop(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await null;
  return (performance.now() - t0) * 1e6 / n;
}

// The threadpool round trip with a trivial job (zlib on one byte).
function trip() {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    zlib.deflate(Buffer.alloc(1), () => done(Number(process.hrtime.bigint() - t0)));
  });
}

async function main() {
  const hops = [], awaits = [];
  for (let k = 0; k < ROUNDS; k++) hops.push(await immediateHop(20000));
  for (let k = 0; k < ROUNDS; k++) awaits.push(await awaitHop(100000));
  console.log(`BENCH hooks_timers.node ${median(hops).toFixed(1)} ns`);
  console.log(`BENCH hooks_promises.node ${median(awaits).toFixed(1)} ns`);
  const lat = [];
  for (let i = 0; i < 2000; i++) lat.push(await trip());
  lat.sort((a, b) => a - b);
  console.log(`BENCH pool_p50.node ${(lat[1000] / 1e3).toFixed(1)} us`);
  console.log(`BENCH pool_p99.node ${(lat[1980] / 1e3).toFixed(1)} us`);
  const tputs = [];
  for (let k = 0; k < ROUNDS; k++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 1000 }, trip));
    tputs.push(1000 / ((performance.now() - t0) / 1e3));
  }
  console.log(`BENCH pool_tput.node ${median(tputs).toFixed(0)} ops/s`);
}
main();
