/**
 * WIT names and version tracks: the one home of `ns:pkg/iface@version`.
 *
 * Version tracks as wasmtime links component imports: within a track a host at
 * one version satisfies an import at another, because WIT packages promise
 * compatibility there. `x.y.z` with x > 0 → track `x`; `0.y.z` with y > 0 →
 * `0.y`; `0.0.z` and pre-releases → only that exact version.
 *
 * A version written short in a capability (`import:acme:kv/store@1`,
 * `@0.2`) stands for every version it is a dot-boundary prefix of, in the
 * manifest and in the policy alike: `@1` is 1.*.*, which is track 1; `@0.2`
 * is track 0.2; `@1.0` is 1.0.*.
 */
// The two functions only: semver's index loads ~45 modules, a noticeable share of start-up.
import compare from 'semver/functions/compare.js';
import parse from 'semver/functions/parse.js';

/**
 * A component-model interface name: `ns:pkg/iface`, nested namespaces and
 * interfaces allowed (`ns:a:b/c/d`), optional `@version`. Labels are kebab
 * words; upper case is kept (WIT allows acronym words such as `HTTP`).
 */
const LABEL = '[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*';
const INTERFACE_NAME = new RegExp(`^((?:${LABEL}:)+${LABEL}(?:/${LABEL})+)(?:@(.+))?$`);
/** A full or short version: `1`, `1.2`, `1.2.3`, with optional pre-release and build. */
const VERSION_SPEC = /^\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Splits `ns:pkg/iface@1.2.3` into interface and version; null if it is not an interface name. */
export function parseInterfaceName(name: string): { interface: string; version: string | undefined } | null {
  const match = INTERFACE_NAME.exec(name);
  if (match === null) return null;
  return { interface: match[1] as string, version: match[2] };
}

/** Whether a version as written in a capability is well formed (full or short). */
export function isVersionSpec(version: string): boolean {
  return VERSION_SPEC.test(version);
}

/** Whether a version is written short (`1`, `0.2`): it then stands for a range. */
export function isShortVersion(version: string): boolean {
  return /^\d+(?:\.\d+)?$/.test(version);
}

/** Whether a version as written in a capability covers another, full or short: equal, or a dot-boundary prefix. */
export function versionCovers(spec: string, version: string): boolean {
  return version === spec || (isShortVersion(spec) && version.startsWith(`${spec}.`));
}

/** Splits any name at its last `@`: `ns:pkg/iface@1.2.3` → base and version. */
export function splitVersion(name: string): { base: string; version: string | undefined } {
  const at = name.lastIndexOf('@');
  return at < 0 ? { base: name, version: undefined } : { base: name.slice(0, at), version: name.slice(at + 1) };
}

/** The track a version belongs to, or `=<version>` when it has none (0.0.z, pre-releases); null when not semver. */
export function versionTrack(version: string): string | null {
  const v = parse(version);
  if (v === null) return null;
  if (v.prerelease.length > 0) return `=${v.version}`;
  if (v.major > 0) return String(v.major);
  if (v.minor > 0) return `0.${String(v.minor)}`;
  return `=${v.version}`;
}

/** `wasi:io/error@0.2.12` → `wasi:io/error@0.2`; a name without a semver version is kept. */
export function interfaceTrack(name: string): string {
  const { base, version } = splitVersion(name);
  if (version === undefined) return name;
  const track = versionTrack(version);
  return track === null || track.startsWith('=') ? name : `${base}@${track}`;
}

export type VersionRelation = 'same' | 'older' | 'newer' | 'incompatible';

/**
 * How a wanted version relates to an offered one: the same, older or newer
 * within one track, or incompatible (another track, or not semver).
 */
export function relateVersions(wanted: string, offered: string): VersionRelation {
  const a = versionTrack(wanted);
  const b = versionTrack(offered);
  if (a === null || b === null || a !== b) return wanted === offered ? 'same' : 'incompatible';
  const c = compare(wanted, offered);
  return c === 0 ? 'same' : c < 0 ? 'older' : 'newer';
}
