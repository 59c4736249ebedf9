// Compiles schemas/manifest.schema.json and schemas/policy.schema.json into
// standalone ajv validators (…/dist/src/*/schema-validators.js), so the CLI
// validates manifests and policies without compiling the schema at every start.
// The schema stays the single source: this runs at every build, and it is the
// only reader of schemas/ (a package never reads a file outside itself). Each
// module is loaded once written, so a broken one fails the build, not a user.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

// ajv 8 is the manifest package's dependency (the root one belongs to eslint).
const require = createRequire(new URL('../packages/manifest/package.json', import.meta.url));
const { Ajv2020 } = require('ajv/dist/2020');
const standaloneCode = require('ajv/dist/standalone').default;
const addFormats = require('ajv-formats');
const schemaPath = new URL('../schemas/manifest.schema.json', import.meta.url);
const out = fileURLToPath(new URL('../packages/manifest/dist/src/manifest/schema-validators.js', import.meta.url));
const ID = 'https://wpack.dev/schemas/manifest-v1.json';

const { _ } = require('ajv');
// Formats must be referenced as code for standalone output (ajv docs: "Standalone validation code").
const formats = _`require("ajv-formats/dist/formats").fullFormats`;
const ajv = new Ajv2020({ allErrors: true, strict: true, code: { source: true, esm: true, formats } });
addFormats(ajv);
ajv.addSchema(JSON.parse(await readFile(schemaPath, 'utf8')));
const code = standaloneCode(ajv, { validateSource: ID, validateLocked: `${ID}#/$defs/locked` });
// ajv's ESM output still calls require() for its runtime helpers and formats.
const header = [
  '// Generated from schemas/manifest.schema.json by scripts/compile-schemas.mjs. Do not edit.',
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
].join('\n');
await writeFile(`${out}.tmp`, `${header}\n${code}`);
await rename(`${out}.tmp`, out);
console.log('compiled schemas/manifest.schema.json into packages/manifest/dist/src/manifest/schema-validators.js');

// The host policy, the same way, into the verifier package.
// strictRequired off: the signer's oneOf names properties declared beside it, which ajv's strict mode flags.
const policyAjv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, code: { source: true, esm: true, formats } });
addFormats(policyAjv);
policyAjv.addSchema(JSON.parse(await readFile(new URL('../schemas/policy.schema.json', import.meta.url), 'utf8')));
const policyOut = fileURLToPath(new URL('../packages/verifier/dist/src/policy/schema-validators.js', import.meta.url));
const policyCode = standaloneCode(policyAjv, { validatePolicy: 'https://wpack.dev/schemas/policy-v1.json' });
await writeFile(`${policyOut}.tmp`, `${header.replace('manifest.schema.json', 'policy.schema.json')}\n${policyCode}`);
await rename(`${policyOut}.tmp`, policyOut);
console.log('compiled schemas/policy.schema.json into packages/verifier/dist/src/policy/schema-validators.js');

// Load what was written: each validator must be a function that accepts a valid document.
const checks = [
  [out, 'validateSource', { name: 'acme:app', version: '1.0.0', component: 'app.wasm' }],
  [out, 'validateLocked', undefined],
  [policyOut, 'validatePolicy', { version: 1, host: { worlds: ['wasi:cli/command@0.2.3'] }, signatures: { signers: [{ key: 'k.pub' }] } }],
];
for (const [file, name, valid] of checks) {
  const validate = (await import(pathToFileURL(file).href))[name];
  if (typeof validate !== 'function') throw new Error(`${file} exports no function ${name}`);
  if (valid !== undefined && !validate(valid)) throw new Error(`${file}: ${name} rejects a valid document: ${JSON.stringify(validate.errors)}`);
}
