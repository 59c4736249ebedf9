/**
 * Host WIT files (DESIGN §6 `host.wit`): each defines a package whose
 * interfaces `provides` may name. They are checked by building a probe
 * component that imports every named interface of the package, with jco —
 * loaded only when a policy has WIT files, so the usual gate never pays for it.
 */
import { readFile } from 'node:fs/promises';
import { readComponentTypes, type InstanceType, type ValidationProblem } from '@wpack/manifest';
import { nestWitPackage, wasiPackages, witPackageName } from '../world/wit-source.js';
import { splitVersion } from '../world/versions.js';

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

  const jco = await import('@bytecodealliance/jco');
  const wasi = (await wasiPackages()).map((p) => p.nested).join('\n');
  for (const pkg of packages) {
    const [pkgBase, pkgVersion] = pkg.name.split('@') as [string, string];
    const named = provides
      .map((p, i) => ({ p, i, ...splitVersion(p) }))
      .filter((x) => x.base.startsWith(`${pkgBase}/`) && x.version === pkgVersion);
    // One probe per interface, so a problem is pinned to the entry that has it.
    const targets = named.length > 0 ? named : [];
    const check = async (world: string, entry?: string): Promise<string | undefined> => {
      const witSource = `package wpack:host-wit-probe;\nworld probe { ${world} }\n\n${pkg.nested}\n${wasi}`;
      try {
        const probe = await jco.componentNew(await jco.componentEmbed({ dummy: true, witSource, world: 'probe' }));
        if (entry !== undefined) {
          const found = readComponentTypes(probe).imports.find((i) => i.name === entry);
          if (found?.type.kind === 'instance') types[entry] = found.type;
        }
        return undefined;
      } catch (err) {
        return String(err instanceof Error ? err.message : err).split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(': ');
      }
    };
    if (targets.length === 0) {
      // Still parse it, so a broken file is reported now rather than when a provides entry is added.
      const err = await check('');
      if (err !== undefined) problems.push({ path: `/host/wit/${String(files.indexOf(pkg.file))}`, message: `${pkg.file}: ${err}` });
      continue;
    }
    for (const t of targets) {
      const err = await check(`import ${t.p};`, t.p);
      if (err !== undefined) problems.push({ path: `/host/provides/${String(t.i)}`, message: `${JSON.stringify(t.p)} — not defined by ${pkg.file}: ${err}` });
    }
  }
  return { problems, types };
}
