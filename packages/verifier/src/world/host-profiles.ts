/**
 * Host profiles: the interfaces each WASI world imports and exports, resolved
 * the way a component toolchain resolves them (includes, `use` dependencies,
 * feature gates). They are read from probe components: jco builds a dummy
 * component for each world of the WASI WIT that ships with it, and the
 * component reader lists its imports and exports. The build does this once
 * (scripts/build-host-profiles.mjs) and ships the result as data, so the gate
 * never loads jco for the built-in worlds.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readComponentInterface, readComponentTypes, type InstanceType } from '@wpack/component';
import { WASI_WIT_VERSION, installedJco, wasiPackages } from './wit-source.js';
import { splitVersion } from '@wpack/core';

/** Bumped whenever the data layout changes. */
export const HOST_PROFILES_FORMAT = 4;

export interface HostProfile {
  /** Imported interfaces without version, e.g. `wasi:io/streams`. */
  imports: string[];
  /** Exported interfaces without version, e.g. `wasi:cli/run`. */
  exports: string[];
}

export interface HostProfileData {
  format: number;
  /** Hash of the inputs (format, jco version, WIT texts); the build skips when it matches. */
  key: string;
  /** The WASI version of the WIT the probes were built from. */
  wasiVersion: string;
  /** By world name without version, e.g. `wasi:http/proxy`. */
  worlds: Record<string, HostProfile>;
  /**
   * What the host provides, structurally, by interface without version (read
   * from the probes' imports). An interface is the same in every world that
   * has it, so it is stored once.
   */
  interfaces: Record<string, InstanceType>;
  /** What an entry world calls, structurally, by interface without version (from the probes' exports). */
  exportInterfaces: Record<string, InstanceType>;
}

/** Where the build writes the data: packages/verifier/dist/data/host-profiles.json. */
export const HOST_PROFILES_URL = new URL('../../data/host-profiles.json', import.meta.url);

const WORLD_DECL = /^\s*world\s+([a-z][a-z0-9-]*)\s*\{/gm;

/** The cache key of the profiles the installed jco would produce. */
export async function hostProfilesKey(): Promise<string> {
  const hash = createHash('sha256').update(`format ${String(HOST_PROFILES_FORMAT)}\njco ${installedJco().version}\n`);
  for (const pkg of await wasiPackages()) hash.update(pkg.text);
  return hash.digest('hex');
}

/** Builds a probe component per world of every bundled WASI package and reads its interface. */
export async function buildHostProfiles(): Promise<HostProfileData> {
  const jco = await import('@bytecodealliance/jco');
  const packages = await wasiPackages();
  const targets: { name: string; probe: string }[] = [];
  for (const pkg of packages) {
    const header = /^package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)@/m.exec(pkg.text)?.[1];
    if (header === undefined) continue;
    for (const m of pkg.text.matchAll(WORLD_DECL)) {
      const world = m[1] as string;
      targets.push({ name: `${header}/${world}`, probe: `p${String(targets.length)}` });
    }
  }
  const root = ['package wpack:probe;', ...targets.map((t) => `world ${t.probe} { include ${t.name}@${WASI_WIT_VERSION}; }`)].join('\n');
  const witSource = `${root}\n\n${packages.map((p) => p.nested).join('\n')}`;
  const worlds: Record<string, HostProfile> = {};
  const interfaces: Record<string, InstanceType> = {};
  const exportInterfaces: Record<string, InstanceType> = {};
  // Sequential: a panic inside jco poisons its instance (DESIGN §10).
  for (const t of targets) {
    const core = await jco.componentEmbed({ dummy: true, witSource, world: t.probe });
    const probe = await jco.componentNew(core);
    const iface = readComponentInterface(probe);
    const types = readComponentTypes(probe);
    for (const i of types.imports) if (i.type.kind === 'instance') interfaces[splitVersion(i.name).base] ??= i.type;
    for (const e of types.exports) if (e.type.kind === 'instance') exportInterfaces[splitVersion(e.name).base] ??= e.type;
    worlds[t.name] = {
      imports: iface.imports.map((i) => splitVersion(i.name).base).sort(),
      exports: iface.exports.map((e) => splitVersion(e.name).base).sort(),
    };
  }
  return { format: HOST_PROFILES_FORMAT, key: await hostProfilesKey(), wasiVersion: WASI_WIT_VERSION, worlds, interfaces, exportInterfaces };
}

let loaded: HostProfileData | undefined;

/** The shipped host profiles; built in-process (slow, loads jco) only when the build did not ship them. */
export async function loadHostProfiles(): Promise<HostProfileData> {
  if (loaded !== undefined) return loaded;
  try {
    const data = JSON.parse(readFileSync(HOST_PROFILES_URL, 'utf8')) as HostProfileData;
    if (data.format === HOST_PROFILES_FORMAT) loaded = data;
  } catch {
    // Not built: fall through.
  }
  loaded ??= await buildHostProfiles();
  return loaded;
}
