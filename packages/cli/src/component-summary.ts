/**
 * `wpack inspect` on a component not yet bundled: what `wpack init` would make
 * of it (world, capabilities, what to narrow), and what made it (its
 * producers sections), beside its imports, exports, size and digest.
 */
import { readFile } from 'node:fs/promises';
import {
  ComponentError,
  readComponentInterface,
  readComponentTypes,
  readProducers,
  type ComponentProducers,
  type ComponentTypes,
  type Producers,
} from '@wpack/component';
import { sha256Digest } from '@wpack/core';
import { ManifestError, inferWorld, suggestCapabilities } from '@wpack/manifest';
import { formatBytes } from './format.js';

export interface ComponentSummary {
  kind: 'component';
  /** The file as given. */
  file: string;
  size: number;
  digest: string;
  imports: string[];
  exports: string[];
  /** The standard world it evidently targets, as `wpack init` writes it. */
  world?: string;
  /** The capabilities `wpack init` would declare for its imports and exports. */
  capabilities: string[];
  /** What to narrow in those capabilities before publishing. */
  notes: string[];
  producers: ComponentProducers;
  /**
   * Why the producers sections could not be read, when they could not:
   * custom sections are no part of validation, so a malformed one is said,
   * not a reason to refuse the component.
   */
  producersUnreadable?: string;
  /** With --wit: the structural types of every import and export. */
  wit?: ComponentTypes;
}

/** @throws ComponentError naming `file`: NOT_A_COMPONENT (a core module too) or MALFORMED_COMPONENT. */
export async function summariseComponent(file: string, options: { wit: boolean }): Promise<ComponentSummary> {
  const bytes = await readFile(file).catch((err: unknown) => {
    throw new ManifestError('IO_ERROR', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  try {
    // With --wit the types are read anyway, and carry the names: the component is parsed once.
    const types = options.wit ? readComponentTypes(bytes) : undefined;
    const iface = types?.interface ?? readComponentInterface(bytes);
    const { capabilities, notes } = suggestCapabilities(iface);
    const world = inferWorld(iface);
    const summary: ComponentSummary = {
      kind: 'component',
      file,
      size: bytes.length,
      digest: sha256Digest(bytes),
      imports: iface.imports.map((i) => i.name),
      exports: iface.exports.map((e) => e.name),
      ...(world !== undefined ? { world } : {}),
      capabilities,
      notes,
      producers: {},
    };
    try {
      summary.producers = readProducers(bytes);
    } catch (err) {
      if (!(err instanceof ComponentError)) throw err;
      summary.producersUnreadable = err.message;
    }
    if (types !== undefined) summary.wit = types;
    return summary;
  } catch (err) {
    if (err instanceof ComponentError) throw new ComponentError(err.code, `${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The human report. */
export function componentLines(s: ComponentSummary): string[] {
  return [
    `${s.file}: a WebAssembly component, not bundled`,
    `size       ${formatBytes(s.size)} (${String(s.size)} bytes)`,
    `digest     ${s.digest}`,
    ...(s.world !== undefined ? [`world      ${s.world}`] : []),
    ...(s.producersUnreadable !== undefined ? [`producers  unreadable: ${s.producersUnreadable}`] : producerLines(s.producers)),
    ...listLines('imports', s.imports),
    ...listLines('exports', s.exports),
    ...listLines('capabilities wpack init would declare', s.capabilities),
    ...(s.notes.length > 0 ? ['narrow these before you publish:', ...s.notes.map((n) => `  - ${n}`)] : []),
  ];
}

/** A heading with the count, then one indented line per item. */
export function listLines(heading: string, items: readonly string[]): string[] {
  return [`${heading} (${String(items.length)})`, ...items.map((i) => `  ${i}`)];
}

function producerLines(p: ComponentProducers): string[] {
  const lines = [...fieldLines('component', p.component), ...fieldLines('nested', p.nested)];
  return lines.length === 0 ? ['producers  none recorded'] : ['producers', ...lines];
}

function fieldLines(level: string, producers: Producers | undefined): string[] {
  if (producers === undefined) return [];
  return Object.entries(producers).map(([field, values]) => {
    const tools = values.map((v) => (v.version === '' ? v.name : `${v.name} ${v.version}`)).join(', ');
    return `  ${level.padEnd(10)} ${field.padEnd(12)} ${tools}`;
  });
}
