/**
 * The world step of the gate (DESIGN §7 step 3), at the level of names and
 * version tracks: every component import must be provided by a host world or
 * a `provides` entry, and the component must export what the host world
 * calls. Type-level checks build on this.
 */
import type { ComponentInterface, ComponentTypes, ImportedType, InstanceType } from '@wpack/component';
import type { GateFinding } from '../gate/findings.js';
import { loadHostProfiles } from './host-profiles.js';
import { compareInterface } from './types-compare.js';
import { relateVersions, splitVersion } from '@wpack/core';

/** A host world named by a policy, e.g. `wasi:http/proxy@0.2.3`. */
export interface HostWorld {
  name: string;
  version: string;
}

export interface HostSpec {
  worlds: HostWorld[];
  /** Interface names, e.g. `acme:kv/store@1.0.0`. */
  provides: string[];
  /** The types of `provides` entries that host WIT files define, by entry. */
  providedTypes?: Record<string, InstanceType>;
}

interface Offer {
  version: string | undefined;
  /** Where it comes from: a world (`wasi:http/proxy@0.2.3`) or `provides`. */
  from: string;
  /** Its structure, when known: from the shipped profiles, or from host WIT. */
  types?: InstanceType | undefined;
}

/** The names of the worlds the shipped profiles know, e.g. `wasi:cli/command`. */
export async function knownHostWorlds(): Promise<string[]> {
  return Object.keys((await loadHostProfiles()).worlds).sort();
}

/**
 * A host world as a policy names it (`wasi:http/proxy@0.2.3`), or why it is
 * not one wpack can check: the profiles come from the 0.2.x WASI WIT, whose
 * interface set is the same across 0.2 releases.
 */
export async function resolveHostWorld(text: string): Promise<HostWorld | string> {
  const known = await knownHostWorlds();
  const { base, version } = splitVersion(text);
  if (!known.includes(base) || version === undefined) return `not a world wpack knows; known: ${known.map((k) => `${k}@0.2.x`).join(', ')}`;
  if (!/^0\.2\.(0|[1-9]\d*)$/.test(version)) return `wpack knows the 0.2.x releases of ${base}, not ${version}`;
  return { name: base, version };
}

/**
 * `types`, the component's structural import types, adds the type-level
 * comparison for every import whose host side is known structurally; without
 * it (or for an import it could not type) the check is by name and track.
 */
export async function checkWorld(component: ComponentInterface, host: HostSpec, types?: ComponentTypes): Promise<GateFinding[]> {
  const profiles = await loadHostProfiles();
  const offers = new Map<string, Offer[]>();
  const offer = (base: string, o: Offer): void => {
    offers.set(base, [...(offers.get(base) ?? []), o]);
  };
  const entryWorlds: { label: string; exports: string[]; version: string }[] = [];
  for (const w of host.worlds) {
    const profile = profiles.worlds[w.name];
    if (profile === undefined) continue; // The policy loader rejects unknown worlds.
    const label = `${w.name}@${w.version}`;
    for (const i of profile.imports) offer(i, { version: w.version, from: label, types: profiles.interfaces[i] });
    if (profile.exports.length > 0) entryWorlds.push({ label, exports: profile.exports, version: w.version });
  }
  for (const p of host.provides) {
    const { base, version } = splitVersion(p);
    offer(base, { version, from: 'provides', types: host.providedTypes?.[p] });
  }

  const findings: GateFinding[] = [];
  const newer: Newer[] = [];
  const typed = new Map((types?.imports ?? []).map((i) => [i.name, i.type]));
  /** Interfaces whose host side is known structurally but whose component side could not be read. */
  const unread: string[] = [];
  for (const imp of component.imports) {
    const r = checkImport(imp.name, offers, host);
    if (Array.isArray(r)) findings.push(...r);
    else newer.push(r);
    const need = typed.get(imp.name);
    const linked = linkingOffer(imp.name, offers);
    if (linked?.types === undefined) continue;
    if (need?.kind === 'instance') {
      const provider = `the host (${linked.from === 'provides' ? 'host.provides' : linked.from})`;
      findings.push(...compareInterface({ name: imp.name, direction: 'import', need, have: linked.types, provider }));
    } else if (types !== undefined) unread.push(imp.name);
  }

  findings.push(...groupNewer(newer));
  const exportTypes = new Map((types?.exports ?? []).map((e) => [e.name, e.type]));
  findings.push(...checkExports(component, entryWorlds, profiles.exportInterfaces, exportTypes));
  for (const e of component.exports) {
    const base = splitVersion(e.name).base;
    const called = profiles.exportInterfaces[base] !== undefined && entryWorlds.some((w) => w.exports.includes(base));
    if (types !== undefined && called && exportTypes.get(e.name)?.kind !== 'instance') unread.push(e.name);
  }
  if (unread.length > 0) findings.push(typesNotRead(unread, types?.warnings ?? []));
  if (!findings.some((f) => f.severity === 'error')) {
    const worlds = host.worlds.map((w) => `${w.name}@${w.version}`);
    const by = [...worlds, ...(host.provides.length > 0 ? ['the provided interfaces'] : [])].join(', ') || 'nothing';
    findings.unshift({
      code: 'WORLD_COMPATIBLE',
      severity: 'info',
      step: 'world',
      message: `${String(component.imports.length)} import${component.imports.length === 1 ? '' : 's'} provided by ${by}`,
    });
  }
  return findings;
}

/** One warning for every interface the type-level check had to skip (DESIGN §7: degrade to names, say so). */
export function typesNotRead(names: string[], reasons: string[]): GateFinding {
  return {
    code: 'TYPES_NOT_READ',
    severity: 'warning',
    step: 'world',
    subject: names.join(', '),
    message: `the types of ${names.join(', ')} could not be read from the component${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}: checked by name and version track only`,
    why: 'an encoding this version of wpack does not know; a changed signature there would not be caught before deploy',
    fix: 'rebuild the component with current tooling, or check it with `wasm-tools component targets`',
  };
}

function describeOffers(list: Offer[]): string {
  return list.map((o) => (o.version === undefined ? `unversioned (${o.from})` : `@${o.version} (${o.from})`)).join(', ');
}

interface Newer {
  base: string;
  version: string;
  offered: Offer;
}

/**
 * One warning per host source and version pair: a component built against a
 * newer WASI patch release imports a dozen interfaces at that version, and
 * they are one fact, not twelve.
 */
function groupNewer(list: Newer[]): GateFinding[] {
  const groups = new Map<string, Newer[]>();
  for (const n of list) {
    const key = `${n.version}\0${String(n.offered.version)}\0${n.offered.from}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as Newer;
    const names = g.map((n) => n.base);
    const what = g.length === 1 ? `${first.base}@${first.version}` : `${String(g.length)} interfaces at @${first.version} (${names.join(', ')})`;
    return {
      code: 'IMPORT_VERSION_NEWER',
      severity: 'warning',
      step: 'world',
      subject: names.map((n) => `${n}@${first.version}`).join(', '),
      message: `the component imports ${what}; the host provides ${g.length === 1 ? 'it' : 'them'} at @${String(first.offered.version)} (${first.offered.from})`,
      why: 'the versions share a track, so the runtime links them, but anything added after the host version is missing and fails when first used',
      fix: `build against @${String(first.offered.version)} or older, or upgrade the host`,
    } satisfies GateFinding;
  });
}

/** The import's findings, or, when it is only newer than the host's within a track, that fact for grouping. */
function checkImport(name: string, offers: Map<string, Offer[]>, host: HostSpec): GateFinding[] | Newer {
  const { base, version } = splitVersion(name);
  const list = offers.get(base) ?? [];
  const notProvided = (why: string): GateFinding => ({
    code: 'IMPORT_NOT_PROVIDED',
    severity: 'error',
    step: 'world',
    subject: name,
    message: `the component imports ${name}, which the host does not provide`,
    why,
    fix:
      list.length > 0
        ? `build the component against a version the host provides, or add ${name} to the policy's host.provides if the host really has it`
        : `add ${name} to the policy's host.provides (or a host world that has it) if the host really provides it; otherwise rebuild the component without it`,
  });
  if (list.length === 0) {
    const worlds = host.worlds.map((w) => `${w.name}@${w.version}`).join(', ') || 'no worlds';
    return [notProvided(`no host world (${worlds}) and no host.provides entry has ${base}: the runtime would fail to link it`)];
  }
  if (version === undefined) {
    if (list.some((o) => o.version === undefined)) return [];
    return [notProvided(`the import has no version, and the host provides only ${describeOffers(list)}: unversioned and versioned names never link`)];
  }
  const linked = linkingOffer(name, offers);
  if (linked !== undefined) return relateVersions(version, linked.version ?? '') === 'newer' ? { base, version, offered: linked } : [];
  return [notProvided(`the host provides only ${describeOffers(list)}; ${version} is on another version track, which never links (tracks: x for x>0, 0.y for 0.x, exact for 0.0.z and pre-releases)`)];
}

/** The offer an import links to: the same or a newer host version in its track first, else an older one; none when nothing links. */
function linkingOffer(name: string, offers: Map<string, Offer[]>): Offer | undefined {
  const { base, version } = splitVersion(name);
  const list = offers.get(base) ?? [];
  if (version === undefined) return list.find((o) => o.version === undefined);
  const relations = list.map((o) => ({ o, r: o.version === undefined ? ('incompatible' as const) : relateVersions(version, o.version) }));
  return (relations.find((x) => x.r === 'same' || x.r === 'older') ?? relations.find((x) => x.r === 'newer'))?.o;
}

function checkExports(
  component: ComponentInterface,
  entryWorlds: { label: string; exports: string[]; version: string }[],
  hostExports: Record<string, InstanceType>,
  componentExports: Map<string, ImportedType>,
): GateFinding[] {
  if (entryWorlds.length === 0) return [];
  const have = component.exports.map((e) => ({ ...splitVersion(e.name), name: e.name }));
  // The component must be runnable under ONE of the host's entry worlds:
  // judge it by the world it comes closest to.
  let best: { label: string; findings: GateFinding[]; missing: number } | undefined;
  for (const world of entryWorlds) {
    const findings: GateFinding[] = [];
    let missing = 0;
    for (const base of world.exports) {
      const wanted = `${base}@${world.version}`;
      const candidates = have.filter((h) => h.base === base);
      const rel = candidates.map((c) => ({ c, r: c.version === undefined ? ('incompatible' as const) : relateVersions(world.version, c.version) }));
      const linked = rel.find((x) => x.r === 'same' || x.r === 'older') ?? rel.find((x) => x.r === 'newer');
      if (linked !== undefined) {
        if (linked.r === 'newer') {
          findings.push({
            code: 'EXPORT_VERSION_OLDER',
            severity: 'warning',
            step: 'world',
            subject: wanted,
            message: `the component exports ${base}@${String(linked.c.version)}; the host (${world.label}) calls ${wanted}`,
            why: 'the versions share a track, so the runtime links them, but a function added after the component version is missing',
            fix: `rebuild the component against ${world.label}`,
          });
        }
        const need = hostExports[base];
        const got = componentExports.get(linked.c.name);
        if (need !== undefined && got?.kind === 'instance') {
          findings.push(...compareInterface({ name: linked.c.name, direction: 'export', need, have: got, provider: `the host (${world.label})` }));
        }
        continue;
      }
      missing++;
      const found = candidates.map((c) => c.name).join(', ');
      findings.push({
        code: 'EXPORT_MISSING',
        severity: 'error',
        step: 'world',
        subject: wanted,
        message: `the component does not export ${wanted}, which the host (${world.label}) calls`,
        why: found === '' ? `without it the host has nothing to run: the component exports ${component.exports.map((e) => e.name).join(', ') || 'nothing'}` : `it exports ${found}, on another version track`,
        fix: `build the component for ${world.label}, or add the world it targets to the policy's host.worlds`,
      });
    }
    if (best === undefined || missing < best.missing) best = { label: world.label, findings, missing };
  }
  if (best === undefined) return [];
  if (best.missing > 0 && entryWorlds.length > 1) {
    const others = entryWorlds.filter((w) => w.label !== best.label).map((w) => w.label);
    for (const f of best.findings) if (f.code === 'EXPORT_MISSING') f.why = `${f.why ?? ''}; nor does it satisfy ${others.join(', ')}`;
  }
  return best.findings;
}
