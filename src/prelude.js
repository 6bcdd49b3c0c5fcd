// The JS environment of a runtime: timers, immediates, queueMicrotask,
// console, asyncHooks and AsyncLocalStorage, over a few native functions
// (`native`, never visible to scripts). Returns the dispatchers the
// runtime calls.
(function (native) {
  'use strict';
  const callbacks = new Map(); // timer id (= async id) -> { fn, args, repeat, timer }

  // As Node's: hasRef() is the object's own flag (a Timeout keeps it once
  // fired or cleared; an Immediate drops it when it runs or is cleared).
  class Timeout {
    ref() { this._refed = true; native.timerRef(this._id, true); return this; }
    unref() { this._refed = false; native.timerRef(this._id, false); return this; }
    hasRef() { return this._refed; }
    [Symbol.toPrimitive]() { return this._id; }
  }
  class Immediate {
    ref() { if (this._refed === false) { this._refed = true; native.timerRef(this._id, true); } return this; }
    unref() { if (this._refed) { this._refed = false; native.timerRef(this._id, false); } return this; }
    hasRef() { return this._refed === true; }
  }

  const check = (fn, name) => {
    if (typeof fn !== 'function') throw new TypeError(`${name}: callback must be a function`);
  };
  // As in Node: a delay outside [1, 2^31 - 1] (or not a number) becomes 1;
  // the native side truncates it to whole milliseconds.
  const delay = (ms) => {
    ms = Number(ms);
    return ms >= 1 && ms <= 2147483647 ? ms : 1;
  };
  // The native side creates the timer (and fires async init hooks with the
  // Timeout object as the resource) and returns its id.
  const timer = (fn, args, ms, repeat) => {
    const t = new Timeout();
    t._refed = true;
    t._id = native.timerStart(delay(ms), repeat, t);
    callbacks.set(t._id, { fn, args, repeat, timer: t });
    return t;
  };
  // clearTimeout and clearInterval clear Timeouts (or their numeric ids),
  // clearImmediate only Immediates, as in Node.
  const clear = (t) => {
    const id = t instanceof Timeout ? t._id : typeof t === 'number' || typeof t === 'string' ? Number(t) : NaN;
    const c = callbacks.get(id);
    if (c !== undefined && c.timer instanceof Timeout) {
      callbacks.delete(id);
      native.timerStop(id, false);
    }
  };
  const clearImm = (t) => {
    if (!(t instanceof Immediate) || !callbacks.delete(t._id)) return;
    t._refed = false;
    native.timerStop(t._id, true);
  };

  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  define('setTimeout', function setTimeout(fn, ms, ...args) {
    check(fn, 'setTimeout');
    return timer(fn, args, ms, false);
  });
  define('setInterval', function setInterval(fn, ms, ...args) {
    check(fn, 'setInterval');
    return timer(fn, args, ms, true);
  });
  define('setImmediate', function setImmediate(fn, ...args) {
    check(fn, 'setImmediate');
    const t = new Immediate();
    t._refed = true;
    t._id = native.immediate(t);
    callbacks.set(t._id, { fn, args, repeat: false, timer: t });
    return t;
  });
  define('clearTimeout', function clearTimeout(t) { clear(t); });
  define('clearInterval', function clearInterval(t) { clear(t); });
  define('clearImmediate', function clearImmediate(t) { clearImm(t); });

  // Async resource types by name (bits of a hook set's type mask).
  const TYPES = Object.freeze(native.asyncTypes);
  define('queueMicrotask', function queueMicrotask(fn) {
    check(fn, 'queueMicrotask');
    // A resource, as in Node: its callback runs with an execution id of its
    // own and the caller as trigger.
    const id = native.asyncCreate(TYPES.Microtask);
    const trigger = native.asyncIds(0);
    native.microtask(function () {
      native.asyncBefore(id, trigger);
      try {
        fn();
      } finally {
        native.asyncAfter(id);
        native.asyncDestroy(id);
      }
    });
  });

  // asyncHooks.createHook: sets of JS hooks, by the id the runtime gives.
  const hookSets = new Map();
  class AsyncHook {
    constructor({ init, before, after, destroy, promiseResolve, types } = {}) {
      let mask = 0;
      for (const t of types ?? []) {
        if (!Object.hasOwn(TYPES, t)) throw new TypeError(`unknown async resource type '${t}'`);
        mask |= TYPES[t];
        if (t === 'Timeout') mask |= TYPES.Interval; // Node's Timeouts include intervals
      }
      this._id = native.hookSetAdd(mask, typeof destroy === 'function');
      hookSets.set(this._id, { init, before, after, destroy, promiseResolve });
    }
    enable() { native.hookSetEnable(this._id, true); return this; }
    disable() { native.hookSetEnable(this._id, false); return this; }
  }

  // AsyncLocalStorage: the async context is a frozen Map from storage to
  // store, kept in V8's continuation-preserved embedder data (carried
  // across awaits and promise jobs by V8, and across timers, work,
  // notifiers and host promises by the runtime).
  class AsyncLocalStorage {
    constructor() { native.contextUse(); }
    run(store, fn, ...args) {
      const saved = native.contextGet();
      const frame = new Map(saved instanceof Map ? saved : undefined);
      frame.set(this, store);
      native.contextSet(frame);
      try {
        return fn(...args);
      } finally {
        native.contextSet(saved);
      }
    }
    exit(fn, ...args) { return this.run(undefined, fn, ...args); }
    getStore() {
      const frame = native.contextGet();
      return frame instanceof Map ? frame.get(this) : undefined;
    }
  }

  define('asyncHooks', Object.freeze({
    createHook: (callbacks) => new AsyncHook(callbacks),
    executionAsyncId: () => native.asyncIds(0),
    triggerAsyncId: () => native.asyncIds(1),
    // Exceptions escaping an async callback carry the chain of resources
    // that led to it, with where each was created (costs a stack capture
    // per resource while on).
    setLongStackTraces: (on) => native.longStackTraces(Boolean(on)),
    AsyncLocalStorage,
    types: Object.freeze(Object.keys(TYPES)),
  }));
  define('AsyncLocalStorage', AsyncLocalStorage);

  const inspect = (v) => {
    switch (typeof v) {
      case 'string': return v;
      case 'bigint': return `${v}n`;
      case 'symbol': return v.toString();
      case 'function': return `[Function: ${v.name || '(anonymous)'}]`;
      case 'object':
        if (v === null) return 'null';
        if (v instanceof Error) return v.stack || String(v);
        try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
      default: return String(v);
    }
  };
  // The console standard's formatter: %s %d %i %f %o %O %j %c %% in a
  // first string argument, the rest joined with spaces.
  const format = (args) => {
    if (typeof args[0] !== 'string' || !args[0].includes('%') || args.length < 2) return args.map(inspect).join(' ');
    let i = 1;
    const head = args[0].replace(/%([sdifoOjc%])/g, (m, k) => {
      if (k === '%') return '%';
      if (i >= args.length) return m;
      const a = args[i++];
      switch (k) {
        case 's': return typeof a === 'string' ? a : typeof a === 'bigint' ? `${a}n` : typeof a === 'object' && a !== null ? inspect(a) : String(a);
        case 'd': case 'i': {
          if (typeof a === 'bigint') return `${a}n`;
          if (typeof a === 'symbol') return 'NaN';
          const n = Number(a);
          return String(k === 'i' ? Math.trunc(n) : n);
        }
        case 'f': return typeof a === 'symbol' ? 'NaN' : String(parseFloat(a));
        case 'c': return '';
        default: return inspect(a);
      }
    });
    return [head, ...args.slice(i).map(inspect)].join(' ');
  };
  // Levels match v8r_console_level. group() indents what follows.
  let indent = '';
  const print = (level, text) => native.print(level, indent ? indent + text.replaceAll('\n', '\n' + indent) : text);
  const console = {};
  // V8's own console, which reports to DevTools: called too once a runtime
  // has an inspector (native.inspecting), so messages reach its sessions.
  const v8console = g.console;
  [['log', 0], ['debug', 1], ['info', 2], ['warn', 3], ['error', 4]].forEach(([name, level]) => {
    const devtools = v8console && v8console[name];
    console[name] = function (...args) {
      print(level, format(args));
      if (native.inspecting && devtools) devtools.apply(v8console, args);
    };
  });
  console.trace = function trace(...args) {
    const e = { name: 'Trace', message: format(args) };
    Error.captureStackTrace(e, trace);
    print(4, e.stack);
  };
  console.assert = function (condition, ...args) {
    if (condition) return;
    if (typeof args[0] === 'string') args[0] = `Assertion failed: ${args[0]}`;
    else args.unshift('Assertion failed');
    print(4, format(args));
  };
  console.dir = function (v) { print(0, inspect(v)); };
  console.dirxml = function (...args) { print(0, format(args)); };
  const counts = new Map();
  console.count = function (label = 'default') {
    label = `${label}`;
    const n = (counts.get(label) ?? 0) + 1;
    counts.set(label, n);
    print(2, `${label}: ${n}`);
  };
  console.countReset = function (label = 'default') {
    label = `${label}`;
    if (counts.has(label)) counts.set(label, 0);
    else print(3, `Count for '${label}' does not exist`);
  };
  const timers = new Map();
  const elapsed = (label) => {
    const ms = native.monotonic() - timers.get(label);
    return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
  };
  console.time = function (label = 'default') {
    label = `${label}`;
    if (timers.has(label)) return print(3, `Label '${label}' already exists for console.time()`);
    timers.set(label, native.monotonic());
  };
  console.timeLog = function (label = 'default', ...data) {
    label = `${label}`;
    if (!timers.has(label)) return print(3, `No such label '${label}' for console.timeLog()`);
    print(0, [`${label}: ${elapsed(label)}`, ...data.map(inspect)].join(' '));
  };
  console.timeEnd = function (label = 'default') {
    label = `${label}`;
    if (!timers.has(label)) return print(3, `No such label '${label}' for console.timeEnd()`);
    print(0, `${label}: ${elapsed(label)}`);
    timers.delete(label);
  };
  console.group = function (...label) {
    if (label.length) print(0, format(label));
    indent += '  ';
  };
  console.groupCollapsed = console.group;
  console.groupEnd = function () { indent = indent.slice(2); };
  // As Node draws it: a column per key (or "Values" for primitives), cells
  // as inspect shows them (strings quoted), left-aligned.
  const cell = (v) => (typeof v === 'string' ? `'${v}'` : inspect(v));
  console.table = function (data, columns) {
    if (data === null || typeof data !== 'object') return print(0, format([data]));
    const rows = data instanceof Map ? [...data.entries()] : Object.entries(data);
    const keys = [];
    let values = false;
    const table = rows.map(([index, row]) => {
      const out = { '(index)': String(index) };
      if (row !== null && typeof row === 'object') {
        for (const [k, v] of Object.entries(row)) {
          if (columns && !columns.includes(k)) continue;
          if (!keys.includes(k)) keys.push(k);
          out[k] = cell(v);
        }
      } else {
        values = true;
        out.Values = cell(row);
      }
      return out;
    });
    const heads = ['(index)', ...(columns ? columns.map(String) : keys), ...(values ? ['Values'] : [])];
    const width = heads.map((h) => Math.max(h.length, ...table.map((r) => (r[h] ?? '').length)) + 2);
    const line = (l, m, r) => l + width.map((w) => '─'.repeat(w)).join(m) + r;
    const row = (cells) => '│' + cells.map((c, i) => ` ${c}`.padEnd(width[i])).join('│') + '│';
    print(0, [line('┌', '┬', '┐'), row(heads), line('├', '┼', '┤'),
      ...table.map((r) => row(heads.map((h) => r[h] ?? ''))), line('└', '┴', '┘')].join('\n'));
  };
  define('console', console);

  // V8 promise hooks, installed once a hook set asks for PROMISE
  // resources: a tracked promise's record [id, trigger] lives here,
  // beside the promise, and goes with it; its collection is the promise's
  // destroy event (reported from the loop, like any FinalizationRegistry).
  const promises = new WeakMap();
  // The native side writes a new record here: a Float64Array it gives
  // each runtime (useScratch), never one from a snapshot.
  let scratch = null;
  // Hot paths call the natives through locals, not property loads.
  const { promiseInit, promiseBefore, asyncAfter, promiseResolve, promiseDestroy } = native;
  const promiseGone = new FinalizationRegistry((r) => promiseDestroy(r[0]));

  return {
    useScratch(array) {
      scratch = array;
    },
    fire(id) {
      const c = callbacks.get(id);
      if (c === undefined) return;
      if (!c.repeat) callbacks.delete(id);
      if (c.timer instanceof Immediate) c.timer._refed = false;
      // `this` is the Timeout or Immediate, as in Node.
      c.fn.apply(c.timer, c.args);
    },
    deliver(target, payload) {
      const fn = typeof target === 'function' ? target : g[target];
      if (typeof fn !== 'function') {
        throw new TypeError(`notifier callback ${typeof target === 'string' ? `'${target}'` : ''} is not a function`);
      }
      fn(payload);
    },
    promiseInit(promise, parent) {
      const p = parent === undefined ? undefined : promises.get(parent);
      if (promiseInit(p === undefined ? 0 : p[0], promise)) {
        const record = [scratch[0], scratch[1]]; // [id, trigger]
        promises.set(promise, record);
        if (scratch[3] !== 0) promiseGone.register(promise, record); // a set has a destroy hook
      }
    },
    promiseBefore(promise) {
      const r = promises.get(promise);
      if (r !== undefined) promiseBefore(r[0], r[1]);
    },
    promiseAfter(promise) {
      const r = promises.get(promise);
      if (r !== undefined) asyncAfter(r[0]);
    },
    promiseResolve(promise) {
      const r = promises.get(promise);
      if (r !== undefined) promiseResolve(r[0]);
    },
    hook(set, event, id, type, trigger, resource) {
      const h = hookSets.get(set);
      if (h === undefined) return;
      switch (event) {
        case 0: if (h.init) h.init(id, type, trigger, resource); break;
        case 1: if (h.before) h.before(id); break;
        case 2: if (h.after) h.after(id); break;
        case 3: if (h.destroy) h.destroy(id); break;
        case 4: if (h.promiseResolve) h.promiseResolve(id); break;
      }
    },
  };
})
