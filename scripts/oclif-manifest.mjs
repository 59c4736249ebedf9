// Writes packages/cli/oclif.manifest.json from the compiled commands, so the
// CLI starts without importing every command module (and every library they
// import) just to list them. Run by `npm run build` after tsc.
import { rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('../packages/cli/', import.meta.url));
const target = `${root}oclif.manifest.json`;
await rm(target, { force: true }); // never read a stale one while regenerating
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true });
await plugin.load();
const tmp = `${target}.tmp`;
await writeFile(tmp, JSON.stringify(plugin.manifest, null, 2) + '\n');
await rename(tmp, target);
console.log(`wrote ${Object.keys(plugin.manifest.commands).length} commands to packages/cli/oclif.manifest.json`);
