import { ComponentError } from './errors.js';
import { BinaryReader } from './binary-reader.js';
import { walkSections } from './section-walker.js';

/** What an import or export is, from its `externdesc` or `sort` (component-model Binary.md). */
export type ExternKind = 'module' | 'func' | 'value' | 'type' | 'component' | 'instance';

export interface ComponentExtern {
  /** The full name, e.g. `wasi:filesystem/types@0.2.0` or a plain `run`. */
  name: string;
  kind: ExternKind;
}

export interface ComponentInterface {
  imports: ComponentExtern[];
  exports: ComponentExtern[];
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const SECTION_IMPORT = 10;
const SECTION_EXPORT = 11;

/** Component-model `externdesc`/`sort` byte → kind. 0x00 is core (module). */
const KIND_BY_BYTE: readonly ExternKind[] = ['module', 'func', 'value', 'type', 'component', 'instance'];

/**
 * Reads the top-level imports and exports of a component binary, without
 * instantiating or validating it. Hand-written on purpose: only the preamble
 * and sections 10/11 need decoding, every other section is skipped by size.
 *
 * @throws ComponentError NOT_A_COMPONENT for a core module or non-wasm bytes,
 *   MALFORMED_COMPONENT for a truncated or corrupt component.
 */
export function readComponentInterface(bytes: Uint8Array): ComponentInterface {
  checkPreamble(bytes);
  const result: ComponentInterface = { imports: [], exports: [] };
  for (const { id, start, end } of walkSections(bytes, 8, bytes.length)) {
    const section = new BinaryReader(bytes, start, end);
    if (id === SECTION_IMPORT) readVec(section, () => result.imports.push(readImport(section)));
    else if (id === SECTION_EXPORT) readVec(section, () => result.exports.push(readExport(section)));
    else if (id > SECTION_EXPORT) section.fail(`unknown section id ${String(id)}`);
    else continue; // skipped by size
    if (!section.atEnd) section.fail('trailing bytes in section');
  }
  return result;
}

/** The 8-byte preamble of a component: NOT_A_COMPONENT for a core module or non-wasm bytes. */
export function checkPreamble(bytes: Uint8Array): void {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ComponentError('NOT_A_COMPONENT', 'not a WebAssembly binary (no \\0asm header)');
  }
  // Binary.md: `layer` (bytes 6-7) is 0x0001 for components; core modules carry version 1, layer 0.
  const layer = (bytes[6] as number) | ((bytes[7] as number) << 8);
  if (layer === 0) {
    throw new ComponentError(
      'NOT_A_COMPONENT',
      'a core WebAssembly module, not a component: build a component (jco, componentize-js, wasm-tools component new)',
    );
  }
  if (layer !== 1) throw new ComponentError('NOT_A_COMPONENT', `unknown WebAssembly layer ${String(layer)}`);
}

/** A `vec`: its u32 count, then `each` that many times. */
export function readVec(r: BinaryReader, each: () => void): void {
  const count = r.u32();
  // Each item takes at least two bytes: a count larger than the section is corrupt.
  if (count > r.end - r.offset) r.fail('vector count larger than its section');
  for (let i = 0; i < count; i++) each();
}

/**
 * importname'/exportname': 0x00 (current) and 0x01 (legacy interface names
 * from older wit-component) carry just the name; 0x02 adds a vec of
 * attributes (implements / version suffix / external id), each a tag and a name.
 * `unknown` decides what an encoding this reader does not know is: malformed
 * input here, a fall-back to names in the type reader.
 */
export function readExternName(r: BinaryReader, unknown: (what: string) => never = (what) => r.fail(what)): string {
  const tag = r.byte();
  if (tag === 0x00 || tag === 0x01) return r.name();
  if (tag !== 0x02) return unknown(`unknown name encoding 0x${tag.toString(16)}`);
  let name = r.name();
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const attr = r.byte();
    const value = r.name();
    if (attr === 0x01 && !name.includes('@')) name += value.startsWith('@') ? value : `@${value}`;
    else if (attr > 0x02) unknown(`unknown name attribute 0x${attr.toString(16)}`);
  }
  return name;
}

function readImport(r: BinaryReader): ComponentExtern {
  const name = readExternName(r);
  return { name, kind: readExternDesc(r) };
}

function readExport(r: BinaryReader): ComponentExtern {
  const name = readExternName(r);
  const sort = r.byte();
  if (sort === 0x00) r.byte(); // core:sort
  const kind = KIND_BY_BYTE[sort];
  if (kind === undefined) r.fail(`unknown export sort 0x${sort.toString(16)}`);
  r.u32(); // index
  const ascribed = r.byte();
  if (ascribed === 0x01) readExternDesc(r);
  else if (ascribed !== 0x00) r.fail(`bad export type ascription 0x${ascribed.toString(16)}`);
  return { name, kind };
}

function readExternDesc(r: BinaryReader): ExternKind {
  const tag = r.byte();
  switch (tag) {
    case 0x00:
      if (r.byte() !== 0x11) r.fail('core extern is not a module');
      r.u32();
      return 'module';
    case 0x02: // value: valuebound (0x00 eq valueidx | 0x01 valtype)
      r.byte();
      r.s33();
      return 'value';
    case 0x03: {
      const bound = r.byte();
      if (bound === 0x00) r.u32();
      else if (bound !== 0x01) r.fail(`bad type bound 0x${bound.toString(16)}`);
      return 'type';
    }
    case 0x01:
    case 0x04:
    case 0x05:
      r.u32();
      return KIND_BY_BYTE[tag] as ExternKind;
    default:
      return r.fail(`unknown extern kind 0x${tag.toString(16)}`);
  }
}
