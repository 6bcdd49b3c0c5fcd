// The JS environment of a runtime: timers, immediates, queueMicrotask and
// console, over a few native functions (`native`, never visible to
// scripts). Returns the dispatchers the event loop calls.
(function (native) {
  'use strict';
  const callbacks = new Map(); // id -> { fn, args, repeat }
  let nextId = 1;

  class Timeout {
    constructor(id) { this._id = id; }
    ref() { native.timerRef(this._id, true); return this; }
    unref() { native.timerRef(this._id, false); return this; }
    hasRef() { return native.timerHasRef(this._id); }
    [Symbol.toPrimitive]() { return this._id; }
  }
  class Immediate extends Timeout {}

  const check = (fn, name) => {
    if (typeof fn !== 'function') throw new TypeError(`${name}: callback must be a function`);
  };
  // As in Node: a delay outside [1, 2^31 - 1] (or not a number) becomes 1.
  const delay = (ms) => {
    ms = Number(ms);
    return ms >= 1 && ms <= 2147483647 ? ms : 1;
  };
  const add = (fn, args, repeat) => {
    const id = nextId++;
    callbacks.set(id, { fn, args, repeat });
    return id;
  };
  const clear = (t) => {
    const id = t instanceof Timeout ? t._id : Number(t);
    if (callbacks.delete(id)) native.timerStop(id);
  };

  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  define('setTimeout', function setTimeout(fn, ms, ...args) {
    check(fn, 'setTimeout');
    const id = add(fn, args, false);
    native.timerStart(id, delay(ms), false);
    return new Timeout(id);
  });
  define('setInterval', function setInterval(fn, ms, ...args) {
    check(fn, 'setInterval');
    const id = add(fn, args, true);
    native.timerStart(id, delay(ms), true);
    return new Timeout(id);
  });
  define('setImmediate', function setImmediate(fn, ...args) {
    check(fn, 'setImmediate');
    const id = add(fn, args, false);
    native.immediate(id);
    return new Immediate(id);
  });
  define('clearTimeout', function clearTimeout(t) { clear(t); });
  define('clearInterval', function clearInterval(t) { clear(t); });
  define('clearImmediate', function clearImmediate(t) { clear(t); });
  define('queueMicrotask', function queueMicrotask(fn) {
    check(fn, 'queueMicrotask');
    native.microtask(fn);
  });

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
  const format = (args) => args.map(inspect).join(' ');
  // Levels match v8r_console_level.
  const console = {};
  [['log', 0], ['debug', 1], ['info', 2], ['warn', 3], ['error', 4]].forEach(([name, level]) => {
    console[name] = function (...args) { native.print(level, format(args)); };
  });
  define('console', console);

  return {
    fire(id) {
      const c = callbacks.get(id);
      if (c === undefined) return;
      if (!c.repeat) callbacks.delete(id);
      c.fn.apply(undefined, c.args);
    },
    deliver(target, payload) {
      const fn = typeof target === 'function' ? target : g[target];
      if (typeof fn !== 'function') {
        throw new TypeError(`notifier callback ${typeof target === 'string' ? `'${target}'` : ''} is not a function`);
      }
      fn(payload);
    },
  };
})
