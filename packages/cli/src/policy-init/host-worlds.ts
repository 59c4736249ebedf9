/**
 * The host a component needs (DESIGN §6 `host.worlds` and `host.provides`),
 * read off the shipped host profiles: the world it runs under, every world at
 * the newest WASI version it uses (an import newer than its host world is
 * IMPORT_VERSION_NEWER, DESIGN §7 step 3), plus the fewest import-only worlds
 * that cover the rest of its WASI imports. An import no known world has goes
 * to `provides`.
 */
import type { ComponentInterface } from '@wpack/component';
import { inferWorld } from '@wpack/manifest';
import { relateVersions, splitVersion } from '@wpack/core';
import { loadHostProfiles, WASI_WIT_VERSION, type HostProfileData } from '@wpack/verifier';

/** The world of a component that exports nothing a host world calls: it only imports. */
const LIBRARY_WORLD = 'wasi:cli/imports';

export interface HostNeeds {
  /** With versions, the world the component runs under first, e.g. `wasi:cli/command@0.2.12`. */
  worlds: string[];
  /** Imports no known world has, as the component names them, e.g. `acme:kv/store@1.0.0`. */
  provides: string[];
}

/** `world` at `version` when it names none (`wasi:cli/command` → `wasi:cli/command@0.2.12`). */
export function withVersion(world: string, version: string = WASI_WIT_VERSION): string {
  return splitVersion(world).version === undefined ? `${world}@${version}` : world;
}

/**
 * `declared` is the manifest's `world`; `given` the worlds the user named,
 * used instead of the chosen ones (a versionless one at the component's
 * version).
 */
export async function hostNeeds(iface: ComponentInterface, declared: string | undefined, given: readonly string[]): Promise<HostNeeds> {
  const profiles = await loadHostProfiles();
  const provided = new Set(Object.values(profiles.worlds).flatMap((w) => w.imports));
  const called = new Set(Object.values(profiles.worlds).flatMap((w) => w.exports));
  const wasi: string[] = [];
  const provides: string[] = [];
  const versions: string[] = [];
  for (const { name } of iface.imports) {
    const { base, version } = splitVersion(name);
    if (version === undefined || !provided.has(base)) {
      provides.push(name);
      continue;
    }
    wasi.push(base);
    versions.push(version);
  }
  for (const { name } of iface.exports) {
    const { base, version } = splitVersion(name);
    if (version !== undefined && called.has(base)) versions.push(version);
  }
  const named = declared === undefined ? undefined : splitVersion(declared);
  const known = named !== undefined && profiles.worlds[named.base] !== undefined ? named : undefined;
  if (known?.version !== undefined) versions.push(known.version);
  const version = newest(versions) ?? WASI_WIT_VERSION;
  if (given.length > 0) return { worlds: given.map((w) => withVersion(w, version)), provides };

  const inferred = inferWorld(iface);
  const entry = known?.base ?? (inferred !== undefined ? splitVersion(inferred).base : undefined) ?? (wasi.length > 0 ? LIBRARY_WORLD : undefined);
  const worlds = entry !== undefined ? [entry, ...cover(wasi, entry, profiles)] : cover(wasi, undefined, profiles);
  return { worlds: worlds.map((w) => `${w}@${version}`), provides };
}

/** Worlds to add to `entry` until every interface of `needed` is imported by one: greedily, the one covering most, then the smallest. */
function cover(needed: string[], entry: string | undefined, profiles: HostProfileData): string[] {
  const importsOf = (w: string): string[] => profiles.worlds[w]?.imports ?? [];
  let missing = [...new Set(needed)].filter((i) => entry === undefined || !importsOf(entry).includes(i));
  const added: string[] = [];
  while (missing.length > 0) {
    const best = Object.keys(profiles.worlds)
      .map((w) => ({ w, covers: missing.filter((i) => importsOf(w).includes(i)).length, calls: profiles.worlds[w]?.exports.length ? 1 : 0, size: importsOf(w).length }))
      .filter((c) => c.covers > 0)
      // Import-only worlds first: one more entry world would change what the component must export.
      .sort((a, b) => a.calls - b.calls || b.covers - a.covers || a.size - b.size || a.w.localeCompare(b.w))[0];
    if (best === undefined) break;
    added.push(best.w);
    missing = missing.filter((i) => !importsOf(best.w).includes(i));
  }
  return added;
}

/** The newest of versions on one track (each relates to the first); undefined for none. */
function newest(versions: string[]): string | undefined {
  return versions.reduce<string | undefined>((best, v) => (best === undefined || relateVersions(v, best) === 'newer' ? v : best), undefined);
}
