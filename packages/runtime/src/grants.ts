/**
 * What a run may touch: the capabilities the manifest declares (the gate has
 * checked each against the host policy), narrowed by what the operator hands
 * over on the command line (`--dir`, `--env`). Anything asked for outside the
 * declared capabilities is bad input (exit 2), refused before anything runs.
 */
import { realpathSync, statSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { WpackError, quoteValue } from '@wpack/core';
import { grants, parseCapability, parseCapabilityPattern, type Capability } from '@wpack/manifest';

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
}

export function resolveGrants(declared: readonly string[], request: RunRequest = {}): RunGrants {
  const caps = declared.map((text) => parseCapability(text));
  const of = <K extends Capability['kind']>(kind: K) => caps.filter((c): c is Extract<Capability, { kind: K }> => c.kind === kind);
  const actions = <A extends string>(list: readonly { action: string }[]) => new Set(list.map((c) => c.action as A));
  return {
    preopens: refuseNested((request.dirs ?? []).map((spec) => preopenFor(spec, of('filesystem'))), request.dirs ?? []),
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

/**
 * A preopen whose host directory lies inside a writable one is refused: the
 * component could rename it away through the writable one and put a symlink
 * in its place, and every path of the inner preopen would then start outside.
 */
function refuseNested(preopens: Preopen[], specs: readonly string[]): Preopen[] {
  const real = preopens.map((p) => realpathSync(p.host));
  preopens.forEach((outer, i) => {
    if (!outer.writable) return;
    real.forEach((inner, j) => {
      if (inner === real[i] || !pathWithin(inner, real[i] as string)) return;
      throw new WpackError(
        'USAGE',
        `--dir ${quoteValue(specs[j] ?? '')}: its host directory lies inside that of --dir ${quoteValue(specs[i] ?? '')}, which is writable (${outer.guest}), where the component could replace it with a symlink; give directories that do not nest`,
      );
    });
  });
  return preopens;
}

function preopenFor(spec: string, fs: readonly Extract<Capability, { kind: 'filesystem' }>[]): Preopen {
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
  return { guest, host, writable: holders.some((c) => c.action === 'write') };
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
