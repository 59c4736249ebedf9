// Builds the host profiles the gate's world step checks against (one probe
// component per WASI world, built with jco from the WIT that ships with it)
// into packages/verifier/dist/data/host-profiles.json. Skips the work when
// the inputs' hash matches the file already there.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHostProfiles, hostProfilesKey, HOST_PROFILES_URL, HOST_PROFILES_FORMAT } from '../packages/verifier/dist/src/world/host-profiles.js';

const out = fileURLToPath(HOST_PROFILES_URL);
const key = await hostProfilesKey();
const current = await readFile(out, 'utf8').then((t) => JSON.parse(t), () => undefined);
if (current?.key === key && current?.format === HOST_PROFILES_FORMAT) {
  console.log('host profiles up to date');
} else {
  const started = performance.now();
  const data = await buildHostProfiles();
  await mkdir(dirname(out), { recursive: true });
  // Compact: verify parses it at every run.
  await writeFile(`${out}.tmp`, `${JSON.stringify(data)}\n`);
  await rename(`${out}.tmp`, out);
  console.log(`built ${Object.keys(data.worlds).length} host profiles in ${Math.round(performance.now() - started)} ms: ${Object.keys(data.worlds).join(', ')}`);
}
