import { greet } from './lib/greet.js';
import settings from './settings.json' with { type: 'json' };
import { upper } from 'host:text';

const motd = await Promise.resolve(`${settings.name} v${settings.version}`); // top-level await
console.log('loaded', import.meta.url);

export function report(who) {
  return `${upper(greet(who))} (${motd})`;
}

setTimeout(async () => {
  const { plugin } = await import('./lib/plugin.js');
  console.log(plugin());
}, 1);
