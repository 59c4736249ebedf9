/**
 * push and pull, loaded on first use: they bring in the registry client
 * (HTTP, TLS, auth), which commands that only read a local bundle — the
 * gate above all — should not pay for at start-up.
 */
import type * as Pull from './pull.js';
import type * as Push from './push.js';

export async function pushBundle(...args: Parameters<typeof Push.pushBundle>): ReturnType<typeof Push.pushBundle> {
  return (await import('./push.js')).pushBundle(...args);
}

export async function pullBundle(...args: Parameters<typeof Pull.pullBundle>): ReturnType<typeof Pull.pullBundle> {
  return (await import('./pull.js')).pullBundle(...args);
}
