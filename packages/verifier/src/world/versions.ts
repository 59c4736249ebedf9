/**
 * Version tracks as wasmtime links component imports (DESIGN §10): within a
 * track a host at one version satisfies an import at another, because WIT
 * packages promise compatibility there. `x.y.z` with x > 0 → track `x`;
 * `0.y.z` with y > 0 → `0.y`; `0.0.z` and pre-releases → only that exact
 * version.
 */
// The two functions only: semver's index loads ~45 modules, a noticeable share of the gate's start-up.
import compare from 'semver/functions/compare.js';
import parse from 'semver/functions/parse.js';

/** The track a version belongs to, or the exact version when it has none; null when not semver. */
export function versionTrack(version: string): string | null {
  const v = parse(version);
  if (v === null) return null;
  if (v.prerelease.length > 0) return `=${v.version}`;
  if (v.major > 0) return String(v.major);
  if (v.minor > 0) return `0.${String(v.minor)}`;
  return `=${v.version}`;
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

/** Splits `ns:pkg/iface@1.2.3` at the last `@`. */
export function splitVersion(name: string): { base: string; version: string | undefined } {
  const at = name.lastIndexOf('@');
  return at < 0 ? { base: name, version: undefined } : { base: name.slice(0, at), version: name.slice(at + 1) };
}
