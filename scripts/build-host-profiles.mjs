// Build-time data for the gate's world step, in packages/verifier/dist/data/:
// - wasi-wit.json: the WASI packages of the WIT that ships with jco (a build
//   tool here, not a run-time dependency), for host-WIT probes at run time;
// - host-profiles.json: one probe component per WASI world, built with jco
//   from that WIT and read with @wpack/component: the interfaces each world
//   imports and exports, and their structural types.
// Skips the work when the inputs' hash matches the files already there.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readComponentInterface, readComponentTypes } from '@wpack/component';
import { splitVersion } from '@wpack/core';
import { HOST_PROFILES_FORMAT, HOST_PROFILES_URL, nestWitPackage, WASI_WIT_URL, WASI_WIT_VERSION } from '../packages/verifier/dist/src/world/build-data.js';

/** jco's bundled WASI packages, in dependency order. */
const WASI_PACKAGE_DIRS = ['wasi-io', 'wasi-clocks', 'wasi-random', 'wasi-filesystem', 'wasi-sockets', 'wasi-cli', 'wasi-http'];
const WORLD_DECL = /^\s*world\s+([a-z][a-z0-9-]*)\s*\{/gm;

/** The installed jco: its root directory and version. */
function installedJco() {
  let dir = dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco')));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8'));
      if (parsed.name === '@bytecodealliance/jco') return { root: dir, version: String(parsed.version) };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the installed @bytecodealliance/jco');
    dir = parent;
  }
}

async function atomicWrite(file, text) {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

const jco = installedJco();
const wasiDir = join(jco.root, 'lib', 'wit', 'builtin', WASI_WIT_VERSION);
const packages = [];
for (const dir of WASI_PACKAGE_DIRS) {
  const text = await readFile(join(wasiDir, dir, 'package.wit'), 'utf8');
  const name = /^package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*@[0-9A-Za-z.+-]+)\s*;/m.exec(text)?.[1];
  if (name === undefined) throw new Error(`${dir}/package.wit has no package header`);
  packages.push({ name, text, nested: nestWitPackage(text, name) });
}

const hash = createHash('sha256').update(`format ${String(HOST_PROFILES_FORMAT)}\njco ${jco.version}\n`);
for (const p of packages) hash.update(p.text);
const key = hash.digest('hex');

const wasiOut = fileURLToPath(WASI_WIT_URL);
const profilesOut = fileURLToPath(HOST_PROFILES_URL);
const current = await readFile(profilesOut, 'utf8').then((t) => JSON.parse(t), () => undefined);
const currentWit = await readFile(wasiOut, 'utf8').then((t) => JSON.parse(t), () => undefined);
if (current?.key === key && current?.format === HOST_PROFILES_FORMAT && currentWit?.key === key) {
  console.log('host profiles up to date');
} else {
  const started = performance.now();
  await atomicWrite(wasiOut, `${JSON.stringify({ key, version: WASI_WIT_VERSION, packages: packages.map(({ name, text }) => ({ name, text })) })}\n`);

  const { componentEmbed, componentNew } = await import('@bytecodealliance/jco');
  const targets = [];
  for (const pkg of packages) {
    const base = pkg.name.split('@')[0];
    for (const m of pkg.text.matchAll(WORLD_DECL)) targets.push({ name: `${base}/${m[1]}`, probe: `p${String(targets.length)}` });
  }
  const root = ['package wpack:probe;', ...targets.map((t) => `world ${t.probe} { include ${t.name}@${WASI_WIT_VERSION}; }`)].join('\n');
  const witSource = `${root}\n\n${packages.map((p) => p.nested).join('\n')}`;
  const worlds = {};
  const interfaces = {};
  const exportInterfaces = {};
  // Sequential: a panic inside jco poisons its instance (DESIGN §10).
  for (const t of targets) {
    const probe = await componentNew(await componentEmbed({ dummy: true, witSource, world: t.probe }));
    const iface = readComponentInterface(probe);
    const types = readComponentTypes(probe);
    for (const i of types.imports) if (i.type.kind === 'instance') interfaces[splitVersion(i.name).base] ??= i.type;
    for (const e of types.exports) if (e.type.kind === 'instance') exportInterfaces[splitVersion(e.name).base] ??= e.type;
    worlds[t.name] = {
      imports: iface.imports.map((i) => splitVersion(i.name).base).sort(),
      exports: iface.exports.map((e) => splitVersion(e.name).base).sort(),
    };
  }
  // Compact: verify parses it at every run.
  await atomicWrite(profilesOut, `${JSON.stringify({ format: HOST_PROFILES_FORMAT, key, wasiVersion: WASI_WIT_VERSION, worlds, interfaces, exportInterfaces })}\n`);
  console.log(`built ${Object.keys(worlds).length} host profiles in ${Math.round(performance.now() - started)} ms: ${Object.keys(worlds).join(', ')}`);
}
