// The web platform's basics, as WHATWG/W3C define them: DOMException,
// Event/EventTarget/CustomEvent, AbortController/AbortSignal,
// TextEncoder/TextDecoder, atob/btoa, structuredClone, performance and
// crypto. The runtime compiles this file the first time a script reads one
// of these globals, and makes each group on first use.
(function (native) {
  'use strict';
  const g = globalThis;
  // This runtime's time origin: performance.now() counts from it.
  const started = native.monotonic();
  const timeOrigin = native.wallClock();
  const now = () => native.monotonic() - started;
  // Each group is made the first time one of its globals is read: the
  // runtime's lazy global properties call the function this returns.
  const makers = new Map();
  const lazy = (names, make) => {
    let made;
    const get = () => (made ??= make());
    for (const name of names) makers.set(name, get);
    return get;
  };
  const brand = (obj, slots, what) => {
    const s = slots.get(obj);
    if (s === undefined) throw new TypeError(`Illegal invocation: not a${/^[AEIOU]/.test(what) ? 'n' : ''} ${what}`);
    return s;
  };
  const methods = (cls, names) => {
    for (const n of names) Object.defineProperty(cls.prototype, n, { enumerable: true });
  };
  const tag = (cls, name) =>
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: name, configurable: true });

  // ---- DOMException -----------------------------------------------------
  const domException = lazy(['DOMException'], () => {
    const codes = {
      IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
      NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
      SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
      TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
      QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
    };
    const slots = new WeakMap();
    class DOMException extends Error {
      constructor(message = '', name = 'Error') {
        // V8 heads the stack with the message given to Error (which keeps
        // it apart from the property); WebIDL wants name, message and code
        // as the prototype's accessors, not own properties.
        super(String(message));
        delete this.message;
        slots.set(this, { message: String(message), name: String(name) });
        if (Error.captureStackTrace) Error.captureStackTrace(this, DOMException);
      }
      get name() { return brand(this, slots, 'DOMException').name; }
      get message() { return brand(this, slots, 'DOMException').message; }
      get code() { return codes[brand(this, slots, 'DOMException').name] ?? 0; }
    }
    methods(DOMException, ['name', 'message', 'code']);
    const constants = [
      'INDEX_SIZE_ERR', 'DOMSTRING_SIZE_ERR', 'HIERARCHY_REQUEST_ERR', 'WRONG_DOCUMENT_ERR',
      'INVALID_CHARACTER_ERR', 'NO_DATA_ALLOWED_ERR', 'NO_MODIFICATION_ALLOWED_ERR', 'NOT_FOUND_ERR',
      'NOT_SUPPORTED_ERR', 'INUSE_ATTRIBUTE_ERR', 'INVALID_STATE_ERR', 'SYNTAX_ERR', 'INVALID_MODIFICATION_ERR',
      'NAMESPACE_ERR', 'INVALID_ACCESS_ERR', 'VALIDATION_ERR', 'TYPE_MISMATCH_ERR', 'SECURITY_ERR',
      'NETWORK_ERR', 'ABORT_ERR', 'URL_MISMATCH_ERR', 'QUOTA_EXCEEDED_ERR', 'TIMEOUT_ERR',
      'INVALID_NODE_TYPE_ERR', 'DATA_CLONE_ERR',
    ];
    constants.forEach((c, i) => {
      const d = { value: i + 1, enumerable: true };
      Object.defineProperty(DOMException, c, d);
      Object.defineProperty(DOMException.prototype, c, d);
    });
    tag(DOMException, 'DOMException');
    return { DOMException };
  });
  const DOMErr = (message, name) => new (domException().DOMException)(message, name);

  // ---- Events and abort ------------------------------------------------
  const events = lazy(['Event', 'EventTarget', 'CustomEvent', 'AbortController', 'AbortSignal'], () => {
    const eventSlots = new WeakMap();
    class Event {
      constructor(type, init = undefined) {
        if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
        const opts = init == null ? {} : init;
        if (typeof opts !== 'object' && typeof opts !== 'function') {
          throw new TypeError("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
        }
        eventSlots.set(this, {
          type: String(type), bubbles: !!opts.bubbles, cancelable: !!opts.cancelable, composed: !!opts.composed,
          target: null, currentTarget: null, phase: 0, canceled: false, stop: false, stopNow: false,
          dispatching: false, passive: false, initialized: true, timeStamp: now(),
        });
        Object.defineProperty(this, 'isTrusted', { get: isTrusted, enumerable: true });
      }
      get type() { return brand(this, eventSlots, 'Event').type; }
      get target() { return brand(this, eventSlots, 'Event').target; }
      get srcElement() { return brand(this, eventSlots, 'Event').target; }
      get currentTarget() { return brand(this, eventSlots, 'Event').currentTarget; }
      get eventPhase() { return brand(this, eventSlots, 'Event').phase; }
      get bubbles() { return brand(this, eventSlots, 'Event').bubbles; }
      get cancelable() { return brand(this, eventSlots, 'Event').cancelable; }
      get composed() { return brand(this, eventSlots, 'Event').composed; }
      get defaultPrevented() { return brand(this, eventSlots, 'Event').canceled; }
      get returnValue() { return !brand(this, eventSlots, 'Event').canceled; }
      set returnValue(v) { if (!v) this.preventDefault(); }
      get cancelBubble() { return brand(this, eventSlots, 'Event').stop; }
      set cancelBubble(v) { if (v) brand(this, eventSlots, 'Event').stop = true; }
      get timeStamp() { return brand(this, eventSlots, 'Event').timeStamp; }
      composedPath() {
        const s = brand(this, eventSlots, 'Event');
        return s.dispatching && s.currentTarget ? [s.currentTarget] : [];
      }
      stopPropagation() { brand(this, eventSlots, 'Event').stop = true; }
      stopImmediatePropagation() { const s = brand(this, eventSlots, 'Event'); s.stop = s.stopNow = true; }
      preventDefault() {
        const s = brand(this, eventSlots, 'Event');
        if (s.cancelable && !s.passive) s.canceled = true;
      }
      initEvent(type, bubbles = false, cancelable = false) {
        const s = brand(this, eventSlots, 'Event');
        if (s.dispatching) return;
        Object.assign(s, { type: String(type), bubbles: !!bubbles, cancelable: !!cancelable, stop: false, stopNow: false, canceled: false, target: null });
      }
    }
    function isTrusted() { return false; }
    methods(Event, ['type', 'target', 'srcElement', 'currentTarget', 'eventPhase', 'bubbles', 'cancelable',
      'composed', 'defaultPrevented', 'returnValue', 'cancelBubble', 'timeStamp', 'composedPath',
      'stopPropagation', 'stopImmediatePropagation', 'preventDefault', 'initEvent']);
    ['NONE', 'CAPTURING_PHASE', 'AT_TARGET', 'BUBBLING_PHASE'].forEach((c, i) => {
      Object.defineProperty(Event, c, { value: i, enumerable: true });
      Object.defineProperty(Event.prototype, c, { value: i, enumerable: true });
    });
    tag(Event, 'Event');

    const detailSlots = new WeakMap();
    class CustomEvent extends Event {
      constructor(type, init = undefined) {
        if (arguments.length === 0) throw new TypeError("Failed to construct 'CustomEvent': 1 argument required, but only 0 present.");
        super(type, init);
        detailSlots.set(this, init == null || init.detail === undefined ? null : init.detail);
      }
      get detail() { brand(this, detailSlots, 'CustomEvent'); return detailSlots.get(this); }
      initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
        brand(this, detailSlots, 'CustomEvent');
        if (eventSlots.get(this).dispatching) return;
        this.initEvent(type, bubbles, cancelable);
        detailSlots.set(this, detail);
      }
    }
    methods(CustomEvent, ['detail', 'initCustomEvent']);
    tag(CustomEvent, 'CustomEvent');

    // A listener throwing is reported (the runtime's error sink, as an
    // uncaught exception would be) and dispatch goes on, as the DOM says.
    const report = (e) => queueMicrotask(() => { throw e; });
    const flatten = (options) => (typeof options === 'boolean' ? { capture: options } : options == null ? {} : options);
    const targetSlots = new WeakMap();
    class EventTarget {
      constructor() { targetSlots.set(this, new Map()); }
      addEventListener(type, callback, options = undefined) {
        const listeners = brand(this, targetSlots, 'EventTarget');
        if (arguments.length < 2) throw new TypeError(`Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
        if (callback == null) return;
        if (typeof callback !== 'function' && typeof callback !== 'object') {
          throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
        }
        const o = flatten(options);
        const capture = !!o.capture;
        const signal = o.signal;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
        }
        if (signal?.aborted) return;
        type = String(type);
        let list = listeners.get(type);
        if (list === undefined) listeners.set(type, (list = []));
        if (list.some((l) => l.callback === callback && l.capture === capture)) return;
        const listener = { callback, capture, once: !!o.once, passive: !!o.passive, removed: false };
        list.push(listener);
        if (signal !== undefined) {
          abortSteps(signal).push(() => this.removeEventListener(type, callback, { capture }));
        }
      }
      removeEventListener(type, callback, options = undefined) {
        const listeners = brand(this, targetSlots, 'EventTarget');
        if (arguments.length < 2) throw new TypeError(`Failed to execute 'removeEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
        const capture = !!flatten(options).capture;
        const list = listeners.get(String(type));
        if (list === undefined) return;
        const i = list.findIndex((l) => l.callback === callback && l.capture === capture);
        if (i >= 0) {
          list[i].removed = true;
          list.splice(i, 1);
        }
      }
      dispatchEvent(event) {
        const listeners = brand(this, targetSlots, 'EventTarget');
        if (!(event instanceof Event)) {
          throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
        }
        const s = eventSlots.get(event);
        if (s.dispatching || !s.initialized) throw DOMErr("Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.", 'InvalidStateError');
        s.dispatching = true;
        s.target = this;
        s.currentTarget = this;
        s.phase = 2; // AT_TARGET: no tree here, the target is the whole path
        const list = listeners.get(s.type);
        if (list !== undefined) {
          for (const pass of [true, false]) {
            for (const l of list.slice()) {
              if (s.stopNow) break;
              if (l.removed || l.capture !== pass) continue;
              if (l.once) this.removeEventListener(s.type, l.callback, { capture: l.capture });
              s.passive = l.passive;
              try {
                if (typeof l.callback === 'function') {
                  l.callback.call(this, event);
                } else {
                  const handle = l.callback.handleEvent;
                  if (typeof handle !== 'function') throw new TypeError("'handleEvent' property of the event listener is not callable");
                  handle.call(l.callback, event);
                }
              } catch (e) {
                report(e);
              }
              s.passive = false;
            }
            if (s.stop) break;
          }
        }
        s.dispatching = false;
        s.phase = 0;
        s.currentTarget = null;
        s.stop = s.stopNow = false;
        return !s.canceled;
      }
    }
    methods(EventTarget, ['addEventListener', 'removeEventListener', 'dispatchEvent']);
    tag(EventTarget, 'EventTarget');

    const signalSlots = new WeakMap();
    const abortSteps = (signal) => signalSlots.get(signal).steps;
    const makeSignal = () => {
      const signal = Reflect.construct(EventTarget, [], AbortSignal);
      signalSlots.set(signal, { aborted: false, reason: undefined, steps: [], onabort: null, dependents: [] });
      return signal;
    };
    const signalAbort = (signal, reason) => {
      const s = signalSlots.get(signal);
      if (s.aborted) return;
      s.aborted = true;
      s.reason = reason === undefined ? DOMErr('This operation was aborted', 'AbortError') : reason;
      const dependents = s.dependents.map((r) => r.deref()).filter((d) => d && !signalSlots.get(d).aborted);
      for (const d of dependents) {
        const ds = signalSlots.get(d);
        ds.aborted = true;
        ds.reason = s.reason;
      }
      const run = (sig) => {
        const ss = signalSlots.get(sig);
        for (const step of ss.steps.splice(0)) step();
        sig.dispatchEvent(new Event('abort'));
      };
      run(signal);
      dependents.forEach(run);
    };
    class AbortSignal extends EventTarget {
      constructor() { throw new TypeError('Illegal constructor'); }
      get aborted() { return brand(this, signalSlots, 'AbortSignal').aborted; }
      get reason() { return brand(this, signalSlots, 'AbortSignal').reason; }
      get onabort() { return brand(this, signalSlots, 'AbortSignal').onabort; }
      set onabort(fn) {
        const s = brand(this, signalSlots, 'AbortSignal');
        if (s.onabortListener) this.removeEventListener('abort', s.onabortListener);
        s.onabort = typeof fn === 'function' || (typeof fn === 'object' && fn !== null) ? fn : null;
        s.onabortListener = s.onabort && ((e) => (typeof s.onabort === 'function' ? s.onabort.call(this, e) : undefined));
        if (s.onabortListener) this.addEventListener('abort', s.onabortListener);
      }
      throwIfAborted() {
        const s = brand(this, signalSlots, 'AbortSignal');
        if (s.aborted) throw s.reason;
      }
      static abort(reason = undefined) {
        const signal = makeSignal();
        const s = signalSlots.get(signal);
        s.aborted = true;
        s.reason = reason === undefined ? DOMErr('This operation was aborted', 'AbortError') : reason;
        return signal;
      }
      static timeout(ms) {
        ms = Number(ms);
        if (!Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER) {
          throw new TypeError(`Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.`);
        }
        const signal = makeSignal();
        // As in Node: the timer does not keep the loop alive.
        setTimeout(() => signalAbort(signal, DOMErr('The operation was aborted due to timeout', 'TimeoutError')), ms).unref();
        return signal;
      }
      static any(signals) {
        const list = [...signals];
        for (const sig of list) {
          if (!(sig instanceof AbortSignal)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
        }
        const signal = makeSignal();
        const done = list.find((sig) => signalSlots.get(sig).aborted);
        if (done !== undefined) {
          const s = signalSlots.get(signal);
          s.aborted = true;
          s.reason = signalSlots.get(done).reason;
          return signal;
        }
        const ref = new WeakRef(signal);
        for (const sig of list) signalSlots.get(sig).dependents.push(ref);
        return signal;
      }
    }
    methods(AbortSignal, ['aborted', 'reason', 'onabort', 'throwIfAborted']);
    tag(AbortSignal, 'AbortSignal');

    const controllerSlots = new WeakMap();
    class AbortController {
      constructor() { controllerSlots.set(this, makeSignal()); }
      get signal() { return brand(this, controllerSlots, 'AbortController'); }
      abort(reason = undefined) { signalAbort(brand(this, controllerSlots, 'AbortController'), reason); }
    }
    methods(AbortController, ['signal', 'abort']);
    tag(AbortController, 'AbortController');
    return { Event, EventTarget, CustomEvent, AbortController, AbortSignal };
  });

  // ---- Encoding ---------------------------------------------------------
  lazy(['TextEncoder', 'TextDecoder'], () => {
    const toUSV = (s) => String(s).toWellFormed();
    const encoders = new WeakSet();
    const isEncoder = (e) => {
      if (!encoders.has(e)) throw new TypeError('Illegal invocation: not a TextEncoder');
    };
    class TextEncoder {
      constructor() { encoders.add(this); }
      get encoding() { isEncoder(this); return 'utf-8'; }
      encode(input = '') {
        isEncoder(this);
        return native.utf8Encode(toUSV(input));
      }
      encodeInto(source, destination) {
        isEncoder(this);
        if (!(destination instanceof Uint8Array)) {
          throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
        }
        const src = toUSV(source);
        let read = 0;
        let written = 0;
        const n = destination.length;
        for (let i = 0; i < src.length; i++) {
          let c = src.charCodeAt(i);
          let units = 1;
          if (c >= 0xd800 && c <= 0xdbff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (src.charCodeAt(i + 1) - 0xdc00);
            units = 2;
          }
          const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
          if (written + size > n) break;
          if (size === 1) {
            destination[written++] = c;
          } else if (size === 2) {
            destination[written++] = 0xc0 | (c >> 6);
            destination[written++] = 0x80 | (c & 0x3f);
          } else if (size === 3) {
            destination[written++] = 0xe0 | (c >> 12);
            destination[written++] = 0x80 | ((c >> 6) & 0x3f);
            destination[written++] = 0x80 | (c & 0x3f);
          } else {
            destination[written++] = 0xf0 | (c >> 18);
            destination[written++] = 0x80 | ((c >> 12) & 0x3f);
            destination[written++] = 0x80 | ((c >> 6) & 0x3f);
            destination[written++] = 0x80 | (c & 0x3f);
          }
          read += units;
          i += units - 1;
        }
        return { read, written };
      }
    }
    methods(TextEncoder, ['encoding', 'encode', 'encodeInto']);
    tag(TextEncoder, 'TextEncoder');

    // Labels of the encodings decoded here (the WHATWG Encoding table).
    const labels = new Map();
    const label = (name, list) => list.forEach((l) => labels.set(l, name));
    label('utf-8', ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']);
    label('utf-16le', ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le']);
    label('utf-16be', ['unicodefffe', 'utf-16be']);
    label('windows-1252', ['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1',
      'iso-ir-100', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252']);
    // windows-1252's bytes 0x80-0x9f (the rest are their Latin-1 code points).
    const cp1252 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
      0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d,
      0x17e, 0x178];
    const asciiWhitespace = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;
    const bytesOf = (input) => {
      if (input === undefined) return new Uint8Array(0);
      if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && input instanceof SharedArrayBuffer)) {
        return new Uint8Array(input);
      }
      throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
    };
    const slots = new WeakMap();
    class TextDecoder {
      constructor(encodingLabel = 'utf-8', options = undefined) {
        const name = labels.get(String(encodingLabel).replace(asciiWhitespace, '').toLowerCase());
        if (name === undefined) {
          throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${encodingLabel}') is invalid.`);
        }
        const o = options == null ? {} : options;
        slots.set(this, { name, fatal: !!o.fatal, ignoreBOM: !!o.ignoreBOM, pending: [], bomSeen: false });
      }
      get encoding() { return brand(this, slots, 'TextDecoder').name; }
      get fatal() { return brand(this, slots, 'TextDecoder').fatal; }
      get ignoreBOM() { return brand(this, slots, 'TextDecoder').ignoreBOM; }
      decode(input = undefined, options = undefined) {
        const s = brand(this, slots, 'TextDecoder');
        const stream = !!(options != null && options.stream);
        let bytes = bytesOf(input);
        if (s.pending.length) {
          const joined = new Uint8Array(s.pending.length + bytes.length);
          joined.set(s.pending);
          joined.set(bytes, s.pending.length);
          bytes = joined;
          s.pending = [];
        }
        let out;
        if (s.name === 'utf-8') {
          out = decodeUtf8(s, bytes, stream);
        } else if (s.name === 'windows-1252') {
          out = '';
          for (let i = 0; i < bytes.length; i += 8192) {
            const chunk = Array.from(bytes.subarray(i, i + 8192), (b) => (b >= 0x80 && b < 0xa0 ? cp1252[b - 0x80] : b));
            out += String.fromCharCode.apply(null, chunk);
          }
        } else {
          out = decodeUtf16(s, bytes, stream, s.name === 'utf-16be');
        }
        if (!stream) {
          s.bomSeen = false;
        }
        return out;
      }
    }
    methods(TextDecoder, ['encoding', 'fatal', 'ignoreBOM', 'decode']);
    tag(TextDecoder, 'TextDecoder');

    const fail = (s) => {
      s.pending = [];
      s.bomSeen = false;
      throw new TypeError('The encoded data was not valid for encoding ' + s.name);
    };
    // The BOM is dropped once per stream, unless ignoreBOM.
    const dropBOM = (s, text) => {
      if (!s.bomSeen && text.length > 0) {
        s.bomSeen = true;
        if (!s.ignoreBOM && text.charCodeAt(0) === 0xfeff) return text.slice(1);
      }
      return text;
    };
    // UTF-8 as the Encoding standard decodes it: a maximal invalid
    // subsequence becomes one U+FFFD (or an error when fatal).
    function decodeUtf8(s, bytes, stream) {
      let out = '';
      let units = [];
      const flush = () => {
        out += String.fromCharCode.apply(null, units);
        units = [];
      };
      let i = 0;
      const n = bytes.length;
      while (i < n) {
        const b = bytes[i];
        let need = 0;
        let cp = 0;
        let lower = 0x80;
        let upper = 0xbf;
        if (b < 0x80) {
          units.push(b);
          i++;
          if (units.length > 8192) flush();
          continue;
        } else if (b >= 0xc2 && b <= 0xdf) {
          need = 1; cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          need = 2; cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          need = 3; cp = b & 0x7;
        } else {
          if (s.fatal) fail(s);
          units.push(0xfffd);
          i++;
          continue;
        }
        let j = i + 1;
        let seen = 0;
        let bad = false;
        while (seen < need) {
          if (j >= n) break;
          const c = bytes[j];
          if (c < lower || c > upper) { bad = true; break; }
          lower = 0x80; upper = 0xbf;
          cp = (cp << 6) | (c & 0x3f);
          j++;
          seen++;
        }
        if (seen === need) {
          if (cp >= 0x10000) {
            cp -= 0x10000;
            units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
          } else {
            units.push(cp);
          }
          i = j;
        } else if (!bad && stream) {
          // An incomplete sequence at the end of a chunk waits for the next.
          s.pending = Array.from(bytes.subarray(i));
          break;
        } else {
          if (s.fatal) fail(s);
          units.push(0xfffd);
          i = j;
        }
        if (units.length > 8192) flush();
      }
      flush();
      return dropBOM(s, out);
    }
    function decodeUtf16(s, bytes, stream, bigEndian) {
      let out = '';
      let units = [];
      let i = 0;
      const n = bytes.length;
      let lead = 0;
      for (; i + 1 < n; i += 2) {
        const u = bigEndian ? (bytes[i] << 8) | bytes[i + 1] : bytes[i] | (bytes[i + 1] << 8);
        if (lead) {
          if (u >= 0xdc00 && u <= 0xdfff) {
            units.push(lead, u);
            lead = 0;
            continue;
          }
          if (s.fatal) fail(s);
          units.push(0xfffd);
          lead = 0;
        }
        if (u >= 0xd800 && u <= 0xdbff) {
          lead = u;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          if (s.fatal) fail(s);
          units.push(0xfffd);
        } else {
          units.push(u);
        }
        if (units.length > 8192) {
          out += String.fromCharCode.apply(null, units);
          units = [];
        }
      }
      const rest = [];
      if (lead) rest.push(bigEndian ? lead >> 8 : lead & 0xff, bigEndian ? lead & 0xff : lead >> 8);
      if (i < n) rest.push(bytes[i]);
      if (rest.length && stream) {
        s.pending = rest;
      } else if (rest.length) {
        if (s.fatal) fail(s);
        units.push(0xfffd);
      }
      out += String.fromCharCode.apply(null, units);
      return dropBOM(s, out);
    }
    return { TextEncoder, TextDecoder };
  });

  // ---- Base64 ---------------------------------------------------------
  lazy(['atob', 'btoa'], () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const values = new Map([...alphabet].map((c, i) => [c, i]));
    const invalid = (what) => DOMErr(`Failed to execute '${what}' on 'Window': The string to be ${what === 'atob' ? 'decoded is not correctly encoded' : 'encoded contains characters outside of the Latin1 range'}.`, 'InvalidCharacterError');
    function btoa(data) {
      if (arguments.length === 0) throw new TypeError("Failed to execute 'btoa' on 'Window': 1 argument required, but only 0 present.");
      const s = String(data);
      let out = '';
      for (let i = 0; i < s.length; i += 3) {
        const a = s.charCodeAt(i);
        const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
        if (a > 0xff || b > 0xff || c > 0xff) throw invalid('btoa');
        out += alphabet[a >> 2] + alphabet[((a & 3) << 4) | (b >> 4)] +
          (i + 1 < s.length ? alphabet[((b & 15) << 2) | (c >> 6)] : '=') + (i + 2 < s.length ? alphabet[c & 63] : '=');
      }
      return out;
    }
    // The HTML standard's forgiving-base64 decode.
    function atob(data) {
      if (arguments.length === 0) throw new TypeError("Failed to execute 'atob' on 'Window': 1 argument required, but only 0 present.");
      let s = String(data).replace(/[\t\n\f\r ]/g, '');
      if (s.length % 4 === 0) s = s.replace(/={1,2}$/, '');
      if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw invalid('atob');
      let out = '';
      let buffer = 0;
      let bits = 0;
      for (const ch of s) {
        buffer = (buffer << 6) | values.get(ch);
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          out += String.fromCharCode((buffer >> bits) & 0xff);
        }
      }
      return out;
    }
    return { atob, btoa };
  });

  // ---- structuredClone --------------------------------------------------
  lazy(['structuredClone'], () => {
    function structuredClone(value, options = undefined) {
      if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone' on 'Window': 1 argument required, but only 0 present.");
      const transfer = options == null || options.transfer === undefined ? [] : [...options.transfer];
      for (const t of transfer) {
        if (!(t instanceof ArrayBuffer)) throw DOMErr('Value not transferable', 'DataCloneError');
        if (t.detached) throw DOMErr('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
      }
      if (new Set(transfer).size !== transfer.length) throw DOMErr('ArrayBuffer at index 1 is a duplicate of an earlier ArrayBuffer.', 'DataCloneError');
      const cloned = native.clone(value);
      if (typeof cloned === 'string') throw DOMErr(cloned, 'DataCloneError');
      // The clone owns copies; transferring detaches the originals.
      for (const t of transfer) t.transfer();
      return cloned[0];
    }
    return { structuredClone };
  });

  // ---- performance ----------------------------------------------------
  lazy(['performance', 'Performance', 'PerformanceEntry', 'PerformanceMark', 'PerformanceMeasure'], () => {
    const entrySlots = new WeakMap();
    class PerformanceEntry {
      constructor() { throw new TypeError('Illegal constructor'); }
      get name() { return brand(this, entrySlots, 'PerformanceEntry').name; }
      get entryType() { return brand(this, entrySlots, 'PerformanceEntry').entryType; }
      get startTime() { return brand(this, entrySlots, 'PerformanceEntry').startTime; }
      get duration() { return brand(this, entrySlots, 'PerformanceEntry').duration; }
      toJSON() { const { name, entryType, startTime, duration } = this; return { name, entryType, startTime, duration }; }
    }
    methods(PerformanceEntry, ['name', 'entryType', 'startTime', 'duration', 'toJSON']);
    tag(PerformanceEntry, 'PerformanceEntry');
    const detailSlots = new WeakMap();
    const entry = (cls, name, entryType, startTime, duration, detail) => {
      const e = Object.create(cls.prototype);
      entrySlots.set(e, { name, entryType, startTime, duration });
      detailSlots.set(e, detail === undefined ? null : structuredClone(detail));
      return e;
    };
    const checkTime = (t, what) => {
      t = Number(t);
      if (t < 0) throw new TypeError(`Failed to execute '${what}' on 'Performance': '${what === 'mark' ? 'startTime' : 'start'}' cannot have a negative time stamp.`);
      return t;
    };
    class PerformanceMark extends PerformanceEntry {
      constructor(name, init = undefined) {
        if (arguments.length === 0) throw new TypeError("Failed to construct 'PerformanceMark': 1 argument required, but only 0 present.");
        const o = init == null ? {} : init;
        const start = o.startTime === undefined ? now() : checkTime(o.startTime, 'mark');
        return entry(PerformanceMark, String(name), 'mark', start, 0, o.detail);
      }
      get detail() { brand(this, detailSlots, 'PerformanceMark'); return detailSlots.get(this); }
    }
    tag(PerformanceMark, 'PerformanceMark');
    class PerformanceMeasure extends PerformanceEntry {
      constructor() { throw new TypeError('Illegal constructor'); }
      get detail() { brand(this, detailSlots, 'PerformanceMeasure'); return detailSlots.get(this); }
    }
    tag(PerformanceMeasure, 'PerformanceMeasure');
    const entries = [];
    const timeOf = (mark, what) => {
      if (typeof mark === 'number') return checkTime(mark, what);
      for (let i = entries.length - 1; i >= 0; i--) {
        if (entries[i].entryType === 'mark' && entries[i].name === mark) return entries[i].startTime;
      }
      throw DOMErr(`Failed to execute '${what}' on 'Performance': The mark '${mark}' does not exist.`, 'SyntaxError');
    };
    class Performance extends (events().EventTarget) {
      constructor() { throw new TypeError('Illegal constructor'); }
      get timeOrigin() { return timeOrigin; }
      now() { return now(); }
      mark(name, init = undefined) {
        const m = new PerformanceMark(name, init);
        entries.push(m);
        return m;
      }
      measure(name, start = undefined, end = undefined) {
        let detail;
        let from = 0;
        let to = now();
        if (start !== null && typeof start === 'object') {
          detail = start.detail;
          if (start.start !== undefined) from = timeOf(start.start, 'measure');
          if (start.end !== undefined) to = timeOf(start.end, 'measure');
          if (start.duration !== undefined) {
            if (start.start !== undefined) to = from + Number(start.duration);
            else from = to - Number(start.duration);
          }
        } else {
          if (start !== undefined) from = timeOf(start, 'measure');
          if (end !== undefined) to = timeOf(end, 'measure');
        }
        const m = entry(PerformanceMeasure, String(name), 'measure', from, to - from, detail);
        entries.push(m);
        return m;
      }
      getEntries() { return entries.slice(); }
      getEntriesByType(type) { return entries.filter((e) => e.entryType === String(type)); }
      getEntriesByName(name, type = undefined) {
        return entries.filter((e) => e.name === String(name) && (type === undefined || e.entryType === String(type)));
      }
      clearMarks(name = undefined) { remove('mark', name); }
      clearMeasures(name = undefined) { remove('measure', name); }
      toJSON() { return { timeOrigin: this.timeOrigin }; }
    }
    const remove = (type, name) => {
      for (let i = entries.length - 1; i >= 0; i--) {
        if (entries[i].entryType === type && (name === undefined || entries[i].name === String(name))) entries.splice(i, 1);
      }
    };
    methods(Performance, ['timeOrigin', 'now', 'mark', 'measure', 'getEntries', 'getEntriesByType',
      'getEntriesByName', 'clearMarks', 'clearMeasures', 'toJSON']);
    tag(Performance, 'Performance');
    const performance = Reflect.construct(events().EventTarget, [], Performance);
    return { performance, Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure };
  });

  // ---- URL ------------------------------------------------------------
  // The WHATWG URL standard: parsing and the setters are the url crate's
  // (servo's rust-url, which implements the standard); a URL keeps its
  // components as the last parse or set gave them.
  lazy(['URL', 'URLSearchParams'], () => {
    const PARTS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];
    const urlSlots = new WeakMap();
    const paramSlots = new WeakMap();
    const encoder = new (g.TextEncoder)();
    const decoder = new (g.TextDecoder)();
    // application/x-www-form-urlencoded, both ways.
    const keep = /[A-Za-z0-9*\-._]/;
    const formEncode = (str) => {
      let out = '';
      for (const b of encoder.encode(String(str).toWellFormed())) {
        const c = String.fromCharCode(b);
        out += b === 0x20 ? '+' : keep.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
      }
      return out;
    };
    const percentDecode = (str) => {
      const bytes = encoder.encode(str);
      const out = new Uint8Array(bytes.length);
      let n = 0;
      const hex = (b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] === 0x25 && i + 2 < bytes.length + 0 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
          out[n++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
          i += 2;
        } else {
          out[n++] = bytes[i];
        }
      }
      return decoder.decode(out.subarray(0, n));
    };
    const formParse = (input) => {
      const list = [];
      for (const seq of input.split('&')) {
        if (seq === '') continue;
        const eq = seq.indexOf('=');
        const name = eq < 0 ? seq : seq.slice(0, eq);
        const value = eq < 0 ? '' : seq.slice(eq + 1);
        list.push([percentDecode(name.replaceAll('+', ' ')), percentDecode(value.replaceAll('+', ' '))]);
      }
      return list;
    };
    const serialize = (list) => list.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join('&');
    const setParts = (slot, parts) => {
      PARTS.forEach((p, i) => { slot[p] = parts[i]; });
    };
    // A URLSearchParams of a URL writes its changes back into the URL.
    const updateURL = (ps) => {
      if (!ps.url) return;
      const u = urlSlots.get(ps.url);
      const query = serialize(ps.list);
      const parts = native.urlSet(u.href, 'search', query);
      if (parts) setParts(u, parts);
      if (query === '') {
        // An empty query is no query at all, as the standard says.
        const again = native.urlSet(u.href, 'search', '');
        if (again) setParts(u, again);
      }
    };

    class URLSearchParams {
      constructor(init = '') {
        const ps = { list: [], url: null };
        paramSlots.set(this, ps);
        if (init !== null && typeof init === 'object' || typeof init === 'function') {
          if (typeof init[Symbol.iterator] === 'function') {
            for (const pair of init) {
              const p = [...pair];
              if (p.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
              ps.list.push([String(p[0]).toWellFormed(), String(p[1]).toWellFormed()]);
            }
          } else {
            for (const k of Reflect.ownKeys(init)) {
              const d = Reflect.getOwnPropertyDescriptor(init, k);
              if (d !== undefined && d.enumerable && typeof k === 'string') ps.list.push([k.toWellFormed(), String(init[k]).toWellFormed()]);
            }
          }
        } else {
          let str = String(init);
          if (str.startsWith('?')) str = str.slice(1);
          ps.list = formParse(str);
        }
      }
      get size() { return brand(this, paramSlots, 'URLSearchParams').list.length; }
      append(name, value) {
        const ps = brand(this, paramSlots, 'URLSearchParams');
        ps.list.push([String(name).toWellFormed(), String(value).toWellFormed()]);
        updateURL(ps);
      }
      delete(name, value = undefined) {
        const ps = brand(this, paramSlots, 'URLSearchParams');
        name = String(name);
        ps.list = ps.list.filter(([k, v]) => !(k === name && (value === undefined || v === String(value))));
        updateURL(ps);
      }
      get(name) {
        const hit = brand(this, paramSlots, 'URLSearchParams').list.find(([k]) => k === String(name));
        return hit === undefined ? null : hit[1];
      }
      getAll(name) {
        return brand(this, paramSlots, 'URLSearchParams').list.filter(([k]) => k === String(name)).map(([, v]) => v);
      }
      has(name, value = undefined) {
        name = String(name);
        return brand(this, paramSlots, 'URLSearchParams').list.some(([k, v]) => k === name && (value === undefined || v === String(value)));
      }
      set(name, value) {
        const ps = brand(this, paramSlots, 'URLSearchParams');
        name = String(name).toWellFormed();
        value = String(value).toWellFormed();
        const i = ps.list.findIndex(([k]) => k === name);
        if (i < 0) {
          ps.list.push([name, value]);
        } else {
          ps.list[i][1] = value;
          ps.list = ps.list.filter(([k], j) => j <= i || k !== name);
        }
        updateURL(ps);
      }
      sort() {
        const ps = brand(this, paramSlots, 'URLSearchParams');
        // Stable, by UTF-16 code units (not locale).
        ps.list = ps.list.map((e, i) => [e, i]).sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j)).map(([e]) => e);
        updateURL(ps);
      }
      forEach(callback, thisArg = undefined) {
        const ps = brand(this, paramSlots, 'URLSearchParams');
        if (typeof callback !== 'function') throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': The callback provided as parameter 1 is not a function.");
        for (let i = 0; i < ps.list.length; i++) callback.call(thisArg, ps.list[i][1], ps.list[i][0], this);
      }
      *entries() { const ps = brand(this, paramSlots, 'URLSearchParams'); for (let i = 0; i < ps.list.length; i++) yield [ps.list[i][0], ps.list[i][1]]; }
      *keys() { for (const [k] of this.entries()) yield k; }
      *values() { for (const [, v] of this.entries()) yield v; }
      toString() { return serialize(brand(this, paramSlots, 'URLSearchParams').list); }
    }
    URLSearchParams.prototype[Symbol.iterator] = URLSearchParams.prototype.entries;
    methods(URLSearchParams, ['size', 'append', 'delete', 'get', 'getAll', 'has', 'set', 'sort', 'forEach',
      'entries', 'keys', 'values', 'toString']);
    tag(URLSearchParams, 'URLSearchParams');

    const parse = (url, base) => native.urlParse(String(url).toWellFormed(), base === undefined ? undefined : String(base).toWellFormed());
    class URL {
      constructor(url, base = undefined) {
        if (arguments.length === 0) throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
        const parts = parse(url, base);
        if (parts === null) throw new TypeError(`Failed to construct 'URL': Invalid URL`);
        const slot = {};
        setParts(slot, parts);
        urlSlots.set(this, slot);
        const params = new URLSearchParams(slot.search);
        paramSlots.get(params).url = this;
        slot.params = params;
      }
      static canParse(url, base = undefined) {
        if (arguments.length === 0) throw new TypeError("Failed to execute 'canParse' on 'URL': 1 argument required, but only 0 present.");
        return parse(url, base) !== null;
      }
      static parse(url, base = undefined) {
        if (arguments.length === 0) throw new TypeError("Failed to execute 'parse' on 'URL': 1 argument required, but only 0 present.");
        try { return new URL(url, base); } catch { return null; }
      }
      get searchParams() { return brand(this, urlSlots, 'URL').params; }
      toString() { return brand(this, urlSlots, 'URL').href; }
      toJSON() { return brand(this, urlSlots, 'URL').href; }
    }
    for (const part of PARTS) {
      const get = function () { return brand(this, urlSlots, 'URL')[part]; };
      const set = part === 'origin' ? undefined : function (value) {
        const slot = brand(this, urlSlots, 'URL');
        const parts = native.urlSet(slot.href, part, String(value).toWellFormed());
        if (parts === null && part === 'href') throw new TypeError(`Failed to set the 'href' property on 'URL': Invalid URL`);
        if (parts === null) return;
        setParts(slot, parts);
        if (part === 'href' || part === 'search') paramSlots.get(slot.params).list = formParse(slot.search.replace(/^\?/, ''));
      };
      Object.defineProperty(URL.prototype, part, { get, set, enumerable: true, configurable: true });
    }
    methods(URL, ['searchParams', 'toString', 'toJSON']);
    tag(URL, 'URL');
    return { URL, URLSearchParams };
  });

  // ---- crypto -------------------------------------------------------------
  lazy(['crypto', 'Crypto'], () => {
    const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
      Uint32Array, BigInt64Array, BigUint64Array];
    class Crypto {
      constructor() { throw new TypeError('Illegal constructor'); }
      getRandomValues(array) {
        if (!integerArrays.some((T) => array instanceof T)) {
          throw DOMErr("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is of type '" +
            (array?.constructor?.name ?? typeof array) + "', which is not an integer array type.", 'TypeMismatchError');
        }
        if (array.byteLength > 65536) {
          throw DOMErr(`Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`, 'QuotaExceededError');
        }
        native.randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
        return array;
      }
      randomUUID() {
        const b = native.randomFill(new Uint8Array(16));
        b[6] = (b[6] & 0x0f) | 0x40; // version 4
        b[8] = (b[8] & 0x3f) | 0x80; // the RFC 4122 variant
        const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
    }
    methods(Crypto, ['getRandomValues', 'randomUUID']);
    tag(Crypto, 'Crypto');
    const crypto = Object.create(Crypto.prototype);
    return { crypto, Crypto };
  });
  return (name) => makers.get(name)()[name];
})
