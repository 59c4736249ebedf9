/**
 * Host WIT files (DESIGN §6 `host.wit`): each defines a package whose
 * interfaces `provides` may name. They are checked by building a probe
 * component that imports every named interface of the package, with the
 * wasm-tools build inside @bytecodealliance/jco-transpile — loaded only when a
 * policy has WIT files, so the usual gate never pays for it.
 */
import { readFile } from 'node:fs/promises';
import { readComponentTypes, type InstanceType } from '@wpack/component';
import { type ValidationProblem } from '@wpack/core';
import { nestWitPackage, wasiPackages, witPackageName } from '../world/wit-source.js';
import { splitVersion } from '@wpack/core';

export interface HostWitResult {
  problems: ValidationProblem[];
  /** The structure of each `provides` entry a WIT file defines, read from its probe. */
  types: Record<string, InstanceType>;
}

export async function checkHostWit(files: string[], provides: string[]): Promise<HostWitResult> {
  const problems: ValidationProblem[] = [];
  const types: Record<string, InstanceType> = {};
  const packages: { file: string; name: string; nested: string }[] = [];
  for (const [i, file] of files.entries()) {
    const text = await readFile(file, 'utf8').catch((err: unknown) => {
      problems.push({ path: `/host/wit/${String(i)}`, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      return undefined;
    });
    if (text === undefined) continue;
    const name = witPackageName(text);
    if (name === null) {
      problems.push({ path: `/host/wit/${String(i)}`, message: `${file} has no versioned \`package ns:name@version;\` header` });
      continue;
    }
    try {
      packages.push({ file, name, nested: nestWitPackage(text, file) });
    } catch (err) {
      problems.push({ path: `/host/wit/${String(i)}`, message: (err as Error).message });
    }
  }
  if (problems.length > 0) return { problems, types };

  const jco = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const wasi = (await wasiPackages()).map((p) => p.nested).join('\n');
  for (const pkg of packages) {
    const [pkgBase, pkgVersion] = pkg.name.split('@') as [string, string];
    const entries = provides.map((p, i) => ({ p, i, ...splitVersion(p) })).filter((x) => x.base.startsWith(`${pkgBase}/`));
    // A provides entry at another version than the file defines would otherwise be checked by name only.
    for (const x of entries.filter((e) => e.version !== pkgVersion)) {
      problems.push({ path: `/host/provides/${String(x.i)}`, message: `${JSON.stringify(x.p)} — ${pkg.file} defines ${pkg.name}, not version ${String(x.version)}` });
    }
    const targets = entries.filter((e) => e.version === pkgVersion);
    const probe = async (world: string): Promise<{ bytes?: Uint8Array; error?: string }> => {
      const witSource = `package wpack:host-wit-probe;\nworld probe { ${world} }\n\n${pkg.nested}\n${wasi}`;
      try {
        return { bytes: await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource, world: 'probe' })) };
      } catch (err) {
        return { error: String(err instanceof Error ? err.message : err).split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(': ') };
      }
    };
    // One probe importing every provided interface of the package, so types
    // an interface only `use`s from another are there as the component sees
    // them; when it fails, one probe per entry pins the problem to its entry.
    const all = await probe(targets.map((t) => `import ${t.p};`).join(' '));
    if (all.bytes !== undefined) {
      for (const i of readComponentTypes(all.bytes).imports) if (i.type.kind === 'instance' && targets.some((t) => t.p === i.name)) types[i.name] = i.type;
      continue;
    }
    if (targets.length === 0) {
      problems.push({ path: `/host/wit/${String(files.indexOf(pkg.file))}`, message: `${pkg.file}: ${all.error ?? 'does not build'}` });
      continue;
    }
    for (const t of targets) {
      const one = await probe(`import ${t.p};`);
      const typed = one.bytes !== undefined ? readComponentTypes(one.bytes).imports.find((i) => i.name === t.p)?.type : undefined;
      if (typed?.kind === 'instance') types[t.p] = typed;
      if (one.error !== undefined) problems.push({ path: `/host/provides/${String(t.i)}`, message: `${JSON.stringify(t.p)} — not defined by ${pkg.file}: ${one.error}` });
    }
  }
  return { problems, types };
}
