// A DevTools protocol client (chrome-remote-interface, as tools use it)
// against a v8runner runtime's inspector on 127.0.0.1:<port>: it finds
// the target through /json/list, sets a breakpoint, lets the runtime run
// (it pauses at the first statement: resumed), reads a local variable and
// the scope at the breakpoint, steps, and waits for a console message and
// an uncaught exception. Prints what it saw as one JSON line.
'use strict';
const CDP = require('chrome-remote-interface');

async function main() {
  const port = Number(process.argv[2]);
  const targets = await CDP.List({ host: '127.0.0.1', port });
  const version = await CDP.Version({ host: '127.0.0.1', port });
  // local: the protocol description bundled with the client (v8runner, like
  // Node, serves no /json/protocol).
  const client = await CDP({ host: '127.0.0.1', port, target: targets[0], local: true });
  const { Runtime, Debugger } = client;
  const seen = { targets: targets.length, type: targets[0].type, protocol: version['Protocol-Version'], pauses: [] };
  const consoleLines = [];
  const consoleDone = new Promise((resolve) => {
    Runtime.consoleAPICalled(({ type, args }) => {
      consoleLines.push(`${type}: ${args.map((a) => a.value).join(' ')}`);
      if (args[0] && args[0].value === 'after resume') resolve();
    });
  });
  const exception = new Promise((resolve) => {
    Runtime.exceptionThrown(({ exceptionDetails }) => resolve(exceptionDetails));
  });
  Debugger.paused(async ({ reason, callFrames, hitBreakpoints }) => {
    const frame = callFrames[0];
    const pause = { reason, fn: frame.functionName, line: frame.location.lineNumber, hit: hitBreakpoints.length };
    if (hitBreakpoints.length > 0) {
      const local = await Debugger.evaluateOnCallFrame({ callFrameId: frame.callFrameId, expression: 'local' });
      pause.local = local.result.value;
      const scope = frame.scopeChain.find((s) => s.type === 'local');
      const props = await Runtime.getProperties({ objectId: scope.object.objectId, ownProperties: true });
      pause.scope = props.result.map((p) => `${p.name}=${p.value && p.value.value}`).sort();
      seen.pauses.push(pause);
      await Debugger.stepOver();
      return;
    }
    seen.pauses.push(pause);
    await Debugger.resume();
  });
  await Runtime.enable();
  await Debugger.enable();
  const bp = await Debugger.setBreakpointByUrl({ url: 'inspect-test.js', lineNumber: 2 });
  seen.breakpoint = bp.breakpointId.length > 0;
  await Runtime.runIfWaitingForDebugger();
  await consoleDone;
  seen.console = consoleLines;
  const details = await exception;
  seen.exception = `${details.text} @${details.url}:${details.lineNumber}`;
  await client.close();
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
