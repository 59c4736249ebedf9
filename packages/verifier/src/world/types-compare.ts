/**
 * Type-level comparison of one interface as two sides see it (DESIGN §7 step
 * 3, the rule wasmtime and `wasm-tools component targets` enforce):
 *   - instances by width: the providing side may have more; every function
 *     and type the needing side uses must exist there;
 *   - functions and value types by exact structure, order included: same
 *     params, result, fields, cases, labels, async-ness;
 *   - resources nominally, by origin key;
 *   - parameter names must match for component-to-component linking; a
 *     renamed parameter alone is a warning (host functions ignore names).
 * Differences are reported at the first place they occur, and functions that
 * fail only because a named type of the interface changed are grouped under
 * that type.
 */
import { formatFuncType, formatValType, type FuncType, type InstanceType, type ResourceType, type ValType } from '@wpack/component';
import type { GateFinding } from '../gate/findings.js';

export interface InterfaceSides {
  /** The interface, e.g. `acme:kv/store@1.0.0`. */
  name: string;
  /** import: the component needs it and the host provides it; export: the host calls it and the component provides it. */
  direction: 'import' | 'export';
  /** What the needing side expects. */
  need: InstanceType;
  /** What the providing side has. */
  have: InstanceType;
  /** Who provides, for messages: `the host (wasi:http/proxy@0.2.3)` or `the component`. */
  provider: string;
}

/** Where two types first differ: a path and the two types there. */
interface Difference {
  path: string;
  need: string;
  have: string;
  /** The named type of the interface the difference lies in, when it does. */
  viaType?: string;
}

export function compareInterface(sides: InterfaceSides): GateFinding[] {
  const findings: GateFinding[] = [];
  const { name, need, have } = sides;
  const needer = sides.direction === 'import' ? 'the component imports' : `${sides.provider} calls`;
  const haver = sides.direction === 'import' ? `${sides.provider} provides` : 'the component exports';

  // Types first: a changed named type explains every function that uses it.
  const changedTypes = new Map<string, { finding: GateFinding; functions: string[] }>();
  for (const [typeName, wanted] of Object.entries(need.types)) {
    const got = have.types[typeName];
    if (got === undefined) {
      findings.push({
        code: 'MISSING_TYPE',
        severity: 'error',
        step: 'world',
        subject: `${name}#${typeName}`,
        message: `${sides.direction} ${name}: type ${typeName} is missing; ${needer} it, ${haver} no type of that name`,
        why: 'a type the other side relies on does not exist there: the component would fail to link',
        fix: `build the component against the ${name} the host really provides`,
      });
      continue;
    }
    const diff = typeDifference(unwrap(wanted), unwrap(got), typeName);
    if (diff === undefined) continue;
    const finding: GateFinding = {
      code: 'TYPE_MISMATCH',
      severity: 'error',
      step: 'world',
      subject: `${name}#${typeName}`,
      message: `${sides.direction} ${name} :: type ${typeName}: ${needer} ${describe(wanted)}; ${haver} ${describe(got)}; first difference at ${diff.path}: ${diff.need} vs ${diff.have}`,
      why: 'types are compared exactly (fields, cases and labels, in order): a changed type fails at link time',
      fix: `build the component against the ${name} the host really provides`,
    };
    changedTypes.set(typeName, { finding, functions: [] });
    findings.push(finding);
  }

  for (const [fnName, wanted] of Object.entries(need.functions)) {
    const got = have.functions[fnName];
    if (got === undefined) {
      findings.push({
        code: 'MISSING_FUNCTION',
        severity: 'error',
        step: 'world',
        subject: `${name}#${fnName}`,
        message: `${sides.direction} ${name} :: ${fnName}: ${needer} ${formatFuncType(wanted)}; ${haver} no function of that name`,
        why: 'a function the other side calls does not exist: instantiation fails',
        fix: sides.direction === 'import' ? `build the component against the ${name} the host provides, or upgrade the host` : `implement ${fnName} in the component`,
      });
      continue;
    }
    const diff = funcDifference(wanted, got);
    if (diff === undefined) {
      const names = wanted.params.map((p) => p.name).join(', ');
      const hostNames = got.params.map((p) => p.name).join(', ');
      if (names !== hostNames) {
        findings.push({
          code: 'PARAM_NAMES_DIFFER',
          severity: 'warning',
          step: 'world',
          subject: `${name}#${fnName}`,
          message: `${sides.direction} ${name} :: ${fnName}: parameters (${names}) are named (${hostNames}) on the other side`,
          why: 'the types agree, so a host runtime links it; linking with another component requires the names to match',
          fix: `rename the parameters to match ${name} as the host defines it`,
        });
      }
      continue;
    }
    const changed = diff.viaType !== undefined ? changedTypes.get(diff.viaType) : undefined;
    if (changed !== undefined) {
      changed.functions.push(fnName);
      continue;
    }
    findings.push({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      step: 'world',
      subject: `${name}#${fnName}`,
      message: `${sides.direction} ${name} :: ${fnName}: ${needer} ${formatFuncType(wanted)}; ${haver} ${formatFuncType(got)}; first difference at ${diff.path}: ${diff.need} vs ${diff.have}`,
      why: 'function signatures are compared exactly: a changed signature fails at link time, or traps on first call',
      fix: `build the component against the ${name} the host really provides`,
    });
  }
  for (const { finding, functions } of changedTypes.values()) {
    if (functions.length > 0) {
      finding.message += `; affects ${String(functions.length)} function${functions.length === 1 ? '' : 's'}: ${functions.join(', ')}`;
    }
  }
  return findings;
}

function unwrap(t: ValType | ResourceType): ValType | ResourceType {
  return t.kind === 'named' ? unwrap(t.type) : t;
}

function describe(t: ValType | ResourceType): string {
  return formatValType(unwrap(t));
}

function funcDifference(need: FuncType, have: FuncType): Difference | undefined {
  if ((need.async === true) !== (have.async === true)) return { path: 'async', need: need.async === true ? 'async' : 'sync', have: have.async === true ? 'async' : 'sync' };
  if (need.params.length !== have.params.length) {
    return { path: 'params', need: `${String(need.params.length)} parameters`, have: `${String(have.params.length)} parameters` };
  }
  for (const [i, p] of need.params.entries()) {
    const q = have.params[i] as FuncType['params'][number];
    const d = valDifference(p.type, q.type, `param ${p.name}`);
    if (d !== undefined) return d;
  }
  if ((need.result === undefined) !== (have.result === undefined)) {
    return { path: 'result', need: need.result === undefined ? 'none' : formatValType(need.result), have: have.result === undefined ? 'none' : formatValType(have.result) };
  }
  if (need.result !== undefined && have.result !== undefined) return valDifference(need.result, have.result, 'result');
  return undefined;
}

function typeDifference(need: ValType | ResourceType, have: ValType | ResourceType, path: string): Difference | undefined {
  if (need.kind === 'resource' || have.kind === 'resource') {
    if (need.kind === 'resource' && have.kind === 'resource') {
      return need.origin === have.origin ? undefined : { path, need: `resource ${need.origin}`, have: `resource ${have.origin}` };
    }
    return { path, need: formatValType(need), have: formatValType(have) };
  }
  return valDifference(need, have, path);
}

/** The first place two value types differ, exactly and in order; undefined when equal. */
function valDifference(needT: ValType, haveT: ValType, path: string, via?: string): Difference | undefined {
  // A named type is compared by its structure; the name is remembered for grouping.
  const viaType = via ?? (needT.kind === 'named' ? needT.name : undefined);
  const a = needT.kind === 'named' ? (unwrap(needT) as ValType) : needT;
  const b = haveT.kind === 'named' ? (unwrap(haveT) as ValType) : haveT;
  const differ = (p: string = path, x: string = formatValType(a), y: string = formatValType(b)): Difference => ({
    path: p,
    need: x,
    have: y,
    ...(viaType !== undefined ? { viaType } : {}),
  });
  if (a.kind !== b.kind) return differ();
  const sub = (x: ValType | undefined, y: ValType | undefined, p: string): Difference | undefined => {
    if (x === undefined && y === undefined) return undefined;
    if (x === undefined || y === undefined) return differ(p, x === undefined ? 'none' : formatValType(x), y === undefined ? 'none' : formatValType(y));
    return valDifference(x, y, p, viaType);
  };
  switch (a.kind) {
    case 'record': {
      const o = b as typeof a;
      if (a.fields.length !== o.fields.length) return differ(path, `${String(a.fields.length)} fields`, `${String(o.fields.length)} fields`);
      for (const [i, f] of a.fields.entries()) {
        const g = o.fields[i] as (typeof o.fields)[number];
        if (f.name !== g.name) return differ(`${path}.${String(i)}`, `field ${f.name}`, `field ${g.name}`);
        const d = sub(f.type, g.type, `${path}.${f.name}`);
        if (d) return d;
      }
      return undefined;
    }
    case 'variant': {
      const o = b as typeof a;
      if (a.cases.length !== o.cases.length) return differ(path, `${String(a.cases.length)} cases`, `${String(o.cases.length)} cases`);
      for (const [i, c] of a.cases.entries()) {
        const e = o.cases[i] as (typeof o.cases)[number];
        if (c.name !== e.name) return differ(`${path}.${String(i)}`, `case ${c.name}`, `case ${e.name}`);
        const d = sub(c.type, e.type, `${path}.${c.name}`);
        if (d) return d;
      }
      return undefined;
    }
    case 'enum':
    case 'flags': {
      const o = b as typeof a;
      if (a.names.join(',') === o.names.join(',')) return undefined;
      const i = a.names.findIndex((n, k) => o.names[k] !== n);
      return differ(`${path}.${String(i === -1 ? a.names.length : i)}`, a.names[i] ?? '(end)', o.names[i === -1 ? a.names.length : i] ?? '(end)');
    }
    case 'list': {
      const o = b as typeof a;
      if (a.length !== o.length) return differ();
      return sub(a.element, o.element, `${path}<element>`);
    }
    case 'map': {
      const o = b as typeof a;
      return sub(a.key, o.key, `${path}<key>`) ?? sub(a.value, o.value, `${path}<value>`);
    }
    case 'tuple': {
      const o = b as typeof a;
      if (a.types.length !== o.types.length) return differ();
      for (const [i, t] of a.types.entries()) {
        const d = sub(t, o.types[i], `${path}.${String(i)}`);
        if (d) return d;
      }
      return undefined;
    }
    case 'option':
      return sub(a.type, (b as typeof a).type, `${path}<some>`);
    case 'result': {
      const o = b as typeof a;
      return sub(a.ok, o.ok, `${path}<ok>`) ?? sub(a.err, o.err, `${path}<err>`);
    }
    case 'own':
    case 'borrow':
      return a.resource === (b as typeof a).resource ? undefined : differ(path, `${a.kind}<${a.resource}>`, `${a.kind}<${(b as typeof a).resource}>`);
    case 'stream':
    case 'future':
      return sub(a.type, (b as typeof a).type, `${path}<${a.kind}>`);
    default:
      return undefined; // Primitives: equal kinds are equal types.
  }
}
