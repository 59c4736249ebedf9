// The `producers` custom section: which languages, tools and SDKs made a
// binary (WebAssembly tool-conventions, ProducersSection.md). wit-component
// writes one for the component it makes, and each core module inside carries
// its own (rustc, clang, wit-component's adapters), as may nested components
// (componentize-qjs composes several).
import { BinaryReader } from './binary-reader.js';
import { checkPreamble, readVec } from './interface-reader.js';
import { walkSections } from './section-walker.js';
import { MAX_COMPONENT_DEPTH } from './types/scope.js';

/** The fields ProducersSection.md defines; a tool's other fields are skipped. */
export type ProducerField = 'language' | 'processed-by' | 'sdk';

/** One `versioned-name` of a field, e.g. {name: 'wit-component', version: '0.259.0'}. The version may be empty. */
export interface Producer {
  name: string;
  version: string;
}

/** A producers section by field; a field no section names is absent. */
export type Producers = Partial<Record<ProducerField, Producer[]>>;

export interface ComponentProducers {
  /** The component's own section, when it has one. */
  component?: Producers;
  /**
   * Every section of the core modules and components nested in it, at any
   * depth (up to the type reader's nesting limit), each (field, name,
   * version) once; absent when none has one.
   */
  nested?: Producers;
}

const FIELDS: readonly string[] = ['language', 'processed-by', 'sdk'] satisfies readonly ProducerField[];
const SECTION_CUSTOM = 0;
const SECTION_CORE_MODULE = 1;
const SECTION_COMPONENT = 4;
/** Binary.md: a nested core module or component is a whole binary, preamble included. */
const CORE_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/**
 * The producers sections of a component binary: its own, and the union of
 * those nested in it. Custom sections are read by name only; every other
 * section is skipped by size.
 *
 * @throws ComponentError NOT_A_COMPONENT like `readComponentInterface`;
 *   MALFORMED_COMPONENT for a producers section that is cut short, has
 *   trailing bytes or a name that is not UTF-8, and for a nested module or
 *   component whose preamble or section framing is corrupt.
 */
export function readProducers(bytes: Uint8Array): ComponentProducers {
  checkPreamble(bytes);
  const own = new ProducerSet();
  const nested = new ProducerSet();
  readComponent(bytes, 8, bytes.length, own, nested, 0);
  const result: ComponentProducers = {};
  const component = own.producers();
  if (component !== undefined) result.component = component;
  const inner = nested.producers();
  if (inner !== undefined) result.nested = inner;
  return result;
}

/** The sections of one component (after its preamble): its own producers into `own`, its children's into `nested`. */
function readComponent(bytes: Uint8Array, start: number, end: number, own: ProducerSet, nested: ProducerSet, depth: number): void {
  for (const section of walkSections(bytes, start, end)) {
    const r = new BinaryReader(bytes, section.start, section.end);
    if (section.id === SECTION_CUSTOM) readCustom(r, own);
    else if (section.id === SECTION_CORE_MODULE) readCoreModule(r, nested);
    else if (section.id === SECTION_COMPONENT && depth < MAX_COMPONENT_DEPTH) {
      expectPreamble(r, COMPONENT_PREAMBLE, 'nested component');
      readComponent(bytes, r.offset, r.end, nested, nested, depth + 1);
    }
  }
}

function readCoreModule(r: BinaryReader, into: ProducerSet): void {
  expectPreamble(r, CORE_PREAMBLE, 'nested core module');
  for (const section of walkSections(r.bytes, r.offset, r.end)) {
    if (section.id === SECTION_CUSTOM) readCustom(new BinaryReader(r.bytes, section.start, section.end), into);
  }
}

function expectPreamble(r: BinaryReader, preamble: readonly number[], what: string): void {
  for (const b of preamble) if (r.byte() !== b) r.fail(`${what} without its preamble`);
}

/** A custom section: a name, then bytes only the named convention gives a meaning to. */
function readCustom(r: BinaryReader, into: ProducerSet): void {
  if (r.name() !== 'producers') return;
  // ProducersSection.md: vec(field), field = name vec(versioned-name), versioned-name = name name.
  readVec(r, () => {
    const field = r.name();
    readVec(r, () => {
      const name = r.name();
      const version = r.name();
      if (FIELDS.includes(field)) into.add(field as ProducerField, { name, version });
    });
  });
  if (!r.atEnd) r.fail('trailing bytes in the producers section');
}

/** Producers by field, each (name, version) once, in the order first seen. */
class ProducerSet {
  private readonly fields = new Map<ProducerField, Map<string, Producer>>();

  add(field: ProducerField, producer: Producer): void {
    let values = this.fields.get(field);
    if (values === undefined) this.fields.set(field, (values = new Map<string, Producer>()));
    values.set(`${producer.name}\0${producer.version}`, producer);
  }

  producers(): Producers | undefined {
    if (this.fields.size === 0) return undefined;
    const out: Producers = {};
    for (const field of FIELDS as readonly ProducerField[]) {
      const values = this.fields.get(field);
      if (values !== undefined) out[field] = [...values.values()];
    }
    return out;
  }
}
