/**
 * Interfaces a run does not grant. Every function of one fails the guest's
 * call: it reports the refusal and throws an Error, which the transpiled
 * bindings turn into a trap (jco rethrows Error instances from host calls
 * instead of lowering them as a WIT `err`). Never a fall-through to the
 * permissive shim.
 */
import type { DenialKind, DenialSink } from '../denials.js';

/** The trap a denied call raises. */
export class DeniedCall extends Error {
  constructor(readonly kind: DenialKind, readonly operation: string) {
    super(`wpack denied ${kind} ${operation}`);
    this.name = 'DeniedCall';
  }
}

/** An interface object whose every function and resource constructor is denied. */
export function deniedInterface(name: string, kind: DenialKind, denials: DenialSink, why: string): Record<string, unknown> {
  const members = new Map<string, unknown>();
  const fail = (member: string): never => {
    denials.deny(kind, member, name, why);
    throw new DeniedCall(kind, `${name}#${member}`);
  };
  return new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key !== 'string') return undefined;
        const label = key;
        let member = members.get(label);
        if (member === undefined) {
          // Resource types are classes in the bindings (capitalised); everything else is a function.
          member = /^[A-Z]/.test(label)
            ? class {
                constructor() {
                  fail(`${label}.constructor`);
                }
              }
            : () => fail(label);
          members.set(label, member);
        }
        return member;
      },
    },
  );
}

/**
 * A WIT `err` for the guest: the bindings lower an exception's own `payload`
 * property as the error value (here a wasi error-code such as `not-permitted`).
 */
export class WitError extends Error {
  constructor(readonly payload: unknown) {
    super(`wasi error ${JSON.stringify(payload)}`);
    this.name = 'WitError';
  }
}
