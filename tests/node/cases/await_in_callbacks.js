// An async callback's continuations (await of resolved values) run before
// the next callback of the batch; an await on a timer-based promise
// resumes after that timer.
const log = (...a) => console.log(a.map(String).join(' '));
const busy = (ms) => { const t0 = Date.now(); while (Date.now() - t0 < ms); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
setTimeout(async () => {
  log('A start');
  await null;
  log('A after await 1');
  await Promise.resolve();
  log('A after await 2');
  await new Promise((r) => r());
  log('A after await 3');
  await sleep(20);
  log('A after sleep');
}, 5);
setTimeout(() => log('B'), 5);
setImmediate(async () => {
  log('I start');
  for (let i = 0; i < 3; i++) await i;
  log('I after 3 awaits');
});
setImmediate(() => log('I2'));
busy(10);
