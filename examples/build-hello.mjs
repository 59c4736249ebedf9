// Builds examples/hello/build/hello.wasm, a real JavaScript component, from
// src/hello.js and wit/hello.wit with componentize-qjs.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { componentize } from 'componentize-qjs';

const dir = fileURLToPath(new URL('hello/', import.meta.url));
const { component } = await componentize({
  witPath: `${dir}wit/hello.wit`,
  jsSource: await readFile(`${dir}src/hello.js`, 'utf8'),
  sync: true,
});
await mkdir(`${dir}build`, { recursive: true });
await writeFile(`${dir}build/hello.wasm.tmp`, component);
await rename(`${dir}build/hello.wasm.tmp`, `${dir}build/hello.wasm`);
console.log(`built examples/hello/build/hello.wasm (${component.length} bytes)`);
