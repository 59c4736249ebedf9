/**
 * What a run may touch: the capabilities the manifest declares (the gate has
 * checked each against the host policy), narrowed by what the operator hands
 * over on the command line (`--dir`, `--env`). Anything asked for outside the
 * declared capabilities is bad input (exit 2), refused before anything runs.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { WpackError, quoteValue } from '@wpack/core';
import { grants, parseCapability, parseCapabilityPattern, type Capability } from '@wpack/manifest';
import { cacheRoot } from './cache.js';

/** One preopened directory. */
export interface Preopen {
  /** The path the guest sees, absolute and normalised. */
  guest: string;
  /** The host directory, absolute. */
  host: string;
  /** False unless a `filesystem:write:` capability holds the whole guest path. */
  writable: boolean;
}

export interface RunGrants {
  preopens: Preopen[];
  /** Exactly the variables the guest sees. */
  env: [string, string][];
  args: string[];
  stdio: ReadonlySet<'stdin' | 'stdout' | 'stderr'>;
  terminal: boolean;
  exit: boolean;
  clock: ReadonlySet<'wall' | 'monotonic'>;
  random: ReadonlySet<'secure' | 'insecure'>;
  /** Declared `network:` capabilities (enforced by wasi/network.ts). */
  network: readonly Extract<Capability, { kind: 'network' }>[];
  /** Declared `http:` capabilities. */
  http: readonly Extract<Capability, { kind: 'http' }>[];
  /** `http:inbound` declared: the component may serve HTTP (`wpack serve`). */
  httpInbound: boolean;
}

export interface RunRequest {
  /** `HOST::GUEST` or `GUEST` (the host path is then the same). */
  dirs?: readonly string[];
  /** `NAME=VALUE`, or `NAME` for the host's value. */
  env?: readonly string[];
  /** Arguments after `--`; the guest's argv[0] is the component name. */
  args?: readonly string[];
  /** The guest's argv[0]. */
  program?: string;
  /** Where `--env NAME` values come from; default process.env. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Host files no writable `--dir` may hold or lie in (the policy and the
   * files it names), besides wpack's cache, which is always protected.
   */
  protect?: readonly Protected[];
  /** The cache root to protect; default `$XDG_CACHE_HOME/wpack`. */
  cacheRoot?: string;
}

/** A host path no writable `--dir` may reach; `holdOnly`: a writable directory inside it is fine, one holding it is not. */
export interface Protected {
  path: string;
  what: string;
  holdOnly?: boolean;
}

export function resolveGrants(declared: readonly string[], request: RunRequest = {}): RunGrants {
  const caps = declared.map((text) => parseCapability(text));
  const of = <K extends Capability['kind']>(kind: K) => caps.filter((c): c is Extract<Capability, { kind: K }> => c.kind === kind);
  const actions = <A extends string>(list: readonly { action: string }[]) => new Set(list.map((c) => c.action as A));
  return {
    preopens: checkPreopens(
      (request.dirs ?? []).map((spec) => preopenFor(spec, of('filesystem'))),
      [
        { path: request.cacheRoot ?? cacheRoot(), what: "wpack's cache of transpiled components, which later runs load" },
        // Each run loads its bindings from a fresh directory there; a writable directory beside that one cannot reach it.
        { path: tmpdir(), what: 'the temporary directory runs load their bindings from', holdOnly: true },
        ...(request.protect ?? []),
      ],
    ),
    env: envFor(request.env ?? [], of('env'), request.hostEnv ?? process.env),
    args: [request.program ?? 'component', ...(request.args ?? [])],
    stdio: actions(of('stdio')),
    terminal: of('terminal').length > 0,
    exit: of('exit').length > 0,
    clock: actions(of('clock')),
    random: actions(of('random')),
    network: of('network'),
    http: of('http'),
    httpInbound: of('http').some((c) => c.action === 'inbound'),
  };
}

/** True when `path` is `root` or lies below it (both normalised, absolute). */
export function pathWithin(path: string, root: string): boolean {
  return path === root || root === '/' || path.startsWith(`${root}/`);
}

/** A `--dir` as given and resolved: `host` is its real path (no symlink), `given` the absolute path typed. */
interface Resolved extends Preopen {
  spec: string;
  given: string;
}

/**
 * What a writable preopen must not reach, checked on the path as given and
 * on its real path:
 * - another preopen inside it (or the same directory, read-only): the
 *   component could rename that one's directory, or one on the way to it,
 *   away and put a symlink in its place;
 * - a protected file or directory (the policy, its keys, wpack's cache),
 *   inside it or holding it: the component could rewrite what the next
 *   gate trusts or the next run executes.
 */
function checkPreopens(preopens: Resolved[], protect: readonly Protected[]): Preopen[] {
  const forms = (p: Resolved): string[] => [p.host, p.given];
  preopens.forEach((outer, i) => {
    if (!outer.writable) return;
    preopens.forEach((inner, j) => {
      if (j === i || (inner.writable && inner.host === outer.host)) return;
      if (forms(inner).some((a) => forms(outer).some((b) => pathWithin(a, b)))) {
        throw new WpackError(
          'USAGE',
          `--dir ${quoteValue(inner.spec)}: its host directory lies inside that of --dir ${quoteValue(outer.spec)}, which is writable (${outer.guest}), where the component could replace it with a symlink; give directories that do not nest`,
        );
      }
    });
    for (const guarded of protect) {
      // Every path on the way, symlinks included: one inside the writable directory could be swapped for the next run.
      const visited = pathsOnTheWay(guarded.path);
      const real = visited[visited.length - 1] ?? resolve(guarded.path);
      if (forms(outer).some((b) => visited.some((g) => pathWithin(g, b)) || (guarded.holdOnly !== true && pathWithin(b, real)))) {
        throw new WpackError('USAGE', `--dir ${quoteValue(outer.spec)}: the component could write to ${quoteValue(guarded.path)} (${guarded.what}) through it; give a writable directory that does not hold it`);
      }
    }
  });
  return preopens.map(({ guest, host, writable }) => ({ guest, host, writable }));
}

/**
 * Every path resolving `path` passes through, one segment at a time, each
 * symlink on the way followed; the last is the real path (with the part that
 * does not exist yet appended).
 */
function pathsOnTheWay(path: string): string[] {
  const seen: string[] = [];
  let pending = resolve(path).split('/').filter((s) => s !== '');
  let current = '/';
  for (let hops = 0; pending.length > 0; ) {
    const seg = pending.shift() as string;
    const next = seg === '..' ? dirname(current) : seg === '.' ? current : join(current, seg);
    seen.push(next);
    let target: string | undefined;
    try {
      target = lstatSync(next).isSymbolicLink() ? readlinkSync(next) : undefined;
    } catch {
      seen.push(join(next, ...pending));
      return seen;
    }
    if (target === undefined) {
      current = next;
      continue;
    }
    if (++hops > 40) return seen;
    pending = [...target.split('/').filter((s) => s !== ''), ...pending];
    if (target.startsWith('/')) current = '/';
  }
  seen.push(current);
  return seen;
}

function preopenFor(spec: string, fs: readonly Extract<Capability, { kind: 'filesystem' }>[]): Resolved {
  const cut = spec.lastIndexOf('::');
  const guestText = cut < 0 ? spec : spec.slice(cut + 2);
  const hostText = cut < 0 ? spec : spec.slice(0, cut);
  if (!guestText.startsWith('/') || guestText.split('/').some((s) => s === '..' || s === '.')) {
    throw new WpackError('USAGE', `--dir ${quoteValue(spec)}: the guest path must be absolute, without . or .. segments`);
  }
  const guest = posix.normalize(guestText).replace(/(.)\/+$/, '$1');
  const holders = fs.filter((c) => pathWithin(guest, c.path));
  if (holders.length === 0) {
    const granted = fs.map((c) => c.text).join(', ') || 'none';
    throw new WpackError('DIR_NOT_GRANTED', `--dir ${quoteValue(spec)}: ${guest} lies in no filesystem capability of the manifest (granted: ${granted})`);
  }
  const host = resolve(hostText);
  let isDir = false;
  try {
    isDir = statSync(host).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new WpackError('USAGE', `--dir ${quoteValue(spec)}: host directory ${quoteValue(host)} does not exist or is not a directory`);
  // The shim resolves the host path again on every call: with its symlinks resolved now, none on the way can be swapped later.
  return { spec, given: host, guest, host: realpathSync(host), writable: holders.some((c) => c.action === 'write') };
}

function envFor(specs: readonly string[], env: readonly Extract<Capability, { kind: 'env' }>[], hostEnv: Readonly<Record<string, string | undefined>>): [string, string][] {
  const out = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    let wanted: Capability;
    try {
      wanted = parseCapability(`env:${name}`);
    } catch {
      throw new WpackError('USAGE', `--env ${quoteValue(spec)}: ${quoteValue(name)} is not a variable name`);
    }
    if (wanted.kind !== 'env' || /[*?]/.test(name)) throw new WpackError('USAGE', `--env ${quoteValue(spec)}: give one variable name, not a glob`);
    if (!env.some((c) => grants(parseCapabilityPattern(c.text), wanted))) {
      const granted = env.map((c) => c.text).join(', ') || 'none';
      throw new WpackError('ENV_NOT_GRANTED', `--env ${quoteValue(spec)}: ${name} matches no env capability of the manifest (granted: ${granted})`);
    }
    const value = eq < 0 ? hostEnv[name] : spec.slice(eq + 1);
    if (value !== undefined) out.set(name, value);
  }
  return [...out];
}
