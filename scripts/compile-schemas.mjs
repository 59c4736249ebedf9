// Compiles schemas/manifest.schema.json and schemas/policy.schema.json into
// standalone ajv validators (…/dist/src/*/schema-validators.js), so the CLI
// validates manifests and policies without compiling the schema at every start.
// The schema stays the single source: this runs at every build.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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
