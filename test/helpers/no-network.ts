// Preloaded into a `wpack` child process (NODE_OPTIONS=--import <this file's URL>,
// see NO_NETWORK_ENV) so a test can run a command that might reach for a
// registry without ever leaving the machine: every DNS lookup of a name
// other than a loopback one fails at once with ENOTFOUND, and says so on
// stderr, so the test can also tell whether a lookup was attempted at all.
// Importing this module patches the process it is imported into (a test
// process that imports NO_NETWORK_ENV is held to loopback as well).
import dns from 'node:dns';

/** Printed on stderr (and in the error) for every refused lookup. */
export const REFUSED_MARK = 'wpack-test: network refused';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;

const original = dns.lookup.bind(dns) as (...args: unknown[]) => void;

function refusal(hostname: string): NodeJS.ErrnoException {
  process.stderr.write(`${REFUSED_MARK}: lookup of ${JSON.stringify(hostname)}\n`);
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (${REFUSED_MARK})`), { code: 'ENOTFOUND', hostname, syscall: 'getaddrinfo' });
}

function lookup(hostname: string, options: unknown, callback?: LookupCallback): void {
  if (LOOPBACK.has(hostname)) {
    original(hostname, options, callback);
    return;
  }
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const err = refusal(hostname);
  process.nextTick(() => cb(err));
}

(dns as unknown as { lookup: typeof lookup }).lookup = lookup;
const originalPromise = dns.promises.lookup.bind(dns.promises);
(dns.promises as unknown as { lookup: (hostname: string, options?: unknown) => Promise<unknown> }).lookup = (hostname: string, options?: unknown) =>
  LOOPBACK.has(hostname) ? originalPromise(hostname, options as dns.LookupOptions) : Promise.reject(refusal(hostname));

/** Environment for runWpack that preloads this module into the child (keeping any NODE_OPTIONS already set). */
export const NO_NETWORK_ENV = { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${import.meta.url}`].filter(Boolean).join(' ') };
