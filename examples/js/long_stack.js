// One error, the whole asynchronous path that led to it.
//
// As in the AsyncWrap article's long-stack-trace demo: an init hook notes
// where each async resource was created, followed by what its creator had
// noted; when an error surfaces, the note of the resource running now
// completes the error's stack across every hop. The host provides
// checksum(text), a Promise computed on the thread pool.

const created = new Map(); // async id -> where it and its ancestors were created

const ours = (line) => !line.includes('v8runner:prelude'); // not the runtime's own frames

// Promises are tracked too (as Node tracks them whenever hooks are on), so
// the code after an `await` runs as a promise whose trigger leads back
// along the path; they pass their creator's note on without a line of
// their own.
asyncHooks.createHook({
  types: ['Timeout', 'Immediate', 'HostPromise', 'PROMISE'],
  init(id, type, triggerId) {
    const parent = created.get(triggerId) ?? [];
    if (type === 'PROMISE') {
      created.set(id, parent);
      return;
    }
    const frames = new Error().stack.split('\n').slice(2).filter(ours); // drop "Error" and init
    created.set(id, [`    -- ${type} ${id} created --`, ...frames, ...parent]);
  },
  destroy(id) { created.delete(id); }, // a child copied what it needs
}).enable();

function longStack(err) {
  const here = err.stack.split('\n').filter(ours);
  return [...here, ...(created.get(asyncHooks.executionAsyncId()) ?? [])].join('\n');
}

function start() { setTimeout(fetchPage, 5); }
function fetchPage() { setImmediate(parse); }
async function parse() {
  const sum = await checksum('hello, world');
  setTimeout(() => report(sum), 1);
}
function report(sum) {
  try {
    throw new Error(`checksum ${sum} rejected`);
  } catch (err) {
    console.log(longStack(err));
  }
}

start();
