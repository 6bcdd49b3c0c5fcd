// A thrown plain object is reported as String(e) by Node's
// uncaughtException handler: "[object Object]".
setTimeout(() => { throw { code: 42 }; }, 1);
