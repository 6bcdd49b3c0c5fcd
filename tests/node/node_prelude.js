// Loaded into Node before each differential case
// (`node --require ./tests/node/node_prelude.js CASE.js`, see compare.py):
// makes Node print errors in the normalised form build/jsrun prints, and
// gives cases v8runner's global `asyncHooks` API (src/prelude.js) on top
// of require('async_hooks').
'use strict';
const asyncHooks = require('async_hooks');

// Errors nobody caught: one line each, on stdout, as jsrun prints them.
// With these handlers installed Node goes on running the loop, as
// v8runner does.
process.on('uncaughtException', (e) => console.log('uncaught: ' + String(e)));
process.on('unhandledRejection', (r) => console.log('unhandled: ' + String(r)));

// asyncHooks.createHook({init, before, after, destroy, promiseResolve,
// types}): v8runner's optional `types` filter is applied here (Node has no
// such option). With `types`, only resources of those types reach init,
// and before/after/destroy/promiseResolve only for ids whose init passed
// the filter. Only the hooks given are registered with Node (whether a
// destroy hook exists changes what Node does).
function createHook(callbacks = {}) {
  const { init, before, after, destroy, promiseResolve, types } = callbacks;
  const hooks = {};
  if (types === undefined || types === null) {
    for (const [name, fn] of Object.entries({ init, before, after, destroy, promiseResolve })) {
      if (typeof fn === 'function') hooks[name] = fn;
    }
    return asyncHooks.createHook(hooks);
  }
  const wanted = new Set(types);
  const seen = new Set();
  hooks.init = (id, type, trigger, resource) => {
    if (!wanted.has(type)) return;
    seen.add(id);
    if (typeof init === 'function') init(id, type, trigger, resource);
  };
  if (typeof before === 'function') hooks.before = (id) => { if (seen.has(id)) before(id); };
  if (typeof after === 'function') hooks.after = (id) => { if (seen.has(id)) after(id); };
  if (typeof promiseResolve === 'function') {
    hooks.promiseResolve = (id) => { if (seen.has(id)) promiseResolve(id); };
  }
  if (typeof destroy === 'function') hooks.destroy = (id) => { if (seen.delete(id)) destroy(id); };
  return asyncHooks.createHook(hooks);
}

Object.defineProperty(globalThis, 'asyncHooks', {
  value: Object.freeze({
    createHook,
    executionAsyncId: () => asyncHooks.executionAsyncId(),
    triggerAsyncId: () => asyncHooks.triggerAsyncId(),
    setLongStackTraces: () => {},
    AsyncLocalStorage: asyncHooks.AsyncLocalStorage,
    types: Object.freeze(['Timeout', 'Immediate', 'Microtask', 'PROMISE']),
  }),
  writable: true,
  configurable: true,
  enumerable: false,
});
Object.defineProperty(globalThis, 'AsyncLocalStorage', {
  value: asyncHooks.AsyncLocalStorage,
  writable: true,
  configurable: true,
  enumerable: false,
});
