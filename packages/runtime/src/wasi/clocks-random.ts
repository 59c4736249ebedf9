/** wasi:clocks and wasi:random by their `clock:` and `random:` grants. */
import type { DenialSink } from '../denials.js';
import type { RunGrants } from '../grants.js';
import { deniedInterface } from './denied.js';
import type { Shim } from './shim.js';

export function clockRandomInterfaces(shim: Shim, grants: RunGrants, denials: DenialSink): Record<string, unknown> {
  const clock = (name: string, action: 'wall' | 'monotonic', granted: unknown) =>
    grants.clock.has(action) ? granted : deniedInterface(name, 'clock', denials, `no clock:${action} capability`);
  const random = (name: string, action: 'secure' | 'insecure', granted: unknown) =>
    grants.random.has(action) ? granted : deniedInterface(name, 'random', denials, `no random:${action} capability`);
  return {
    'wasi:clocks/wall-clock': clock('wasi:clocks/wall-clock', 'wall', shim.clocks.wallClock),
    'wasi:clocks/monotonic-clock': clock('wasi:clocks/monotonic-clock', 'monotonic', shim.clocks.monotonicClock),
    'wasi:random/random': random('wasi:random/random', 'secure', shim.random.random),
    'wasi:random/insecure': random('wasi:random/insecure', 'insecure', shim.random.insecure),
    'wasi:random/insecure-seed': random('wasi:random/insecure-seed', 'insecure', shim.random.insecureSeed),
  };
}
