/**
 * Every refusal of a granted-capability check, reported the same way: one
 * stderr line `wpack: denied <kind> <what>: <why>` and, with an audit log,
 * one appended JSON line. Host calls are synchronous, so are these writes:
 * a line is on disk before the guest sees the error.
 */
import { appendFileSync, writeSync } from 'node:fs';

/** What a refusal is about, by capability kind. */
export type DenialKind = 'filesystem' | 'env' | 'stdio' | 'terminal' | 'exit' | 'clock' | 'random' | 'network' | 'http';

export interface AuditRecord {
  time: string;
  kind: DenialKind;
  operation: string;
  target: string;
  verdict: 'denied';
}

export interface DenialSink {
  /** Reports a refusal; the caller then fails the guest's call. */
  deny(kind: DenialKind, operation: string, target: string, why: string): void;
}

export interface DenialOptions {
  /** File to append one JSON line per refusal to. */
  auditLog?: string | undefined;
  /** Where the stderr lines go; default file descriptor 2. */
  write?: ((line: string) => void) | undefined;
}

/** Names in a refusal come from the component: control characters are shown escaped, never sent to a terminal. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const printable = (line: string): string => line.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function denialSink(options: DenialOptions = {}): DenialSink & { readonly count: number } {
  const write = options.write ?? ((line: string) => void writeSync(2, line));
  let count = 0;
  return {
    get count() {
      return count;
    },
    deny(kind, operation, target, why) {
      count += 1;
      write(`${printable(`wpack: denied ${kind} ${operation} ${JSON.stringify(target)}: ${why}`)}\n`);
      if (options.auditLog !== undefined) {
        const record: AuditRecord = { time: new Date().toISOString(), kind, operation, target, verdict: 'denied' };
        appendFileSync(options.auditLog, `${JSON.stringify(record)}\n`);
      }
    },
  };
}
