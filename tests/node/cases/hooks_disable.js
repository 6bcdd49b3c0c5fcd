// A hook set disabled while a resource it saw is pending: Node stops
// calling every hook of the set at once (no before/after/destroy later).
// @include trace.js (the async trace helper, shared by the hooks cases)
const hook = traceHook(['Timeout']);
setTimeout(() => report(), 200);
hook.enable();
setTimeout(() => log('timer created while enabled runs'), 5);
hook.disable();
setTimeout(() => log('timer created while disabled runs'), 5);
