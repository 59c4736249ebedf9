/**
 * Host profiles: the interfaces each WASI world imports and exports, resolved
 * the way a component toolchain resolves them (includes, `use` dependencies,
 * feature gates). They are read from probe components: the build
 * (scripts/build-host-profiles.mjs) builds a dummy component for each world
 * of the WASI WIT that ships with jco, reads its imports and exports with
 * @wpack/component, and ships the result as data. The gate only reads that
 * data; nothing here loads jco.
 */
import { readFileSync } from 'node:fs';
import type { InstanceType } from '@wpack/component';

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
  /** Hash of the build's inputs (format, jco version, WIT texts); the build skips when it matches. */
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

let loaded: HostProfileData | undefined;

/** The shipped host profiles (a broken install without them is an internal error). */
export function loadHostProfiles(): Promise<HostProfileData> {
  if (loaded !== undefined) return Promise.resolve(loaded);
  let data: HostProfileData;
  try {
    data = JSON.parse(readFileSync(HOST_PROFILES_URL, 'utf8')) as HostProfileData;
  } catch (err) {
    throw new Error(`the host profiles ${HOST_PROFILES_URL.pathname} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): run \`npm run build\``, { cause: err });
  }
  if (data.format !== HOST_PROFILES_FORMAT) throw new Error(`the host profiles ${HOST_PROFILES_URL.pathname} are format ${String(data.format)}, not ${String(HOST_PROFILES_FORMAT)}: run \`npm run build\``);
  loaded = data;
  return Promise.resolve(loaded);
}
