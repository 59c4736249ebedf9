// Builds examples/hello/build/hello.wasm, a real JavaScript component (a
// wasi:cli command), from src/hello.js and wit/hello.wit with componentize-qjs.
// The WASI packages its world imports are the ones wpack's verifier ships,
// laid out as wit/deps/ in a scratch directory.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentize } from 'componentize-qjs';
import { wasiPackages } from '@wpack/verifier';

const dir = fileURLToPath(new URL('hello/', import.meta.url));
await mkdir(`${dir}build`, { recursive: true });
const work = await mkdtemp(join(`${dir}build`, '.wit-'));
try {
  await mkdir(join(work, 'deps'));
  await writeFile(join(work, 'hello.wit'), await readFile(`${dir}wit/hello.wit`, 'utf8'));
  for (const p of await wasiPackages()) {
    const pkg = join(work, 'deps', p.name.replace(/[:@]/g, '-'));
    await mkdir(pkg);
    await writeFile(join(pkg, 'package.wit'), p.text);
  }
  const { component } = await componentize({
    witPath: work,
    jsSource: await readFile(`${dir}src/hello.js`, 'utf8'),
    sync: true,
  });
  await writeFile(`${dir}build/hello.wasm.tmp`, component);
  await rename(`${dir}build/hello.wasm.tmp`, `${dir}build/hello.wasm`);
  console.log(`built examples/hello/build/hello.wasm (${component.length} bytes)`);
} finally {
  await rm(work, { recursive: true, force: true });
}
