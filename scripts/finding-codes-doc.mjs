// Rewrites the "Finding codes" section of docs/gate.md (between its
// finding-codes markers) from GATE_FINDING_CODES and GATE_CODE_ADVICE, the
// same table the SARIF rules' help comes from. Run after `npm run build`
// when a code or its advice changes; test/docs.test.ts fails until then.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { GATE_CODE_ADVICE, GATE_FINDING_CODES } from '@wpack/verifier';

const page = new URL('../docs/gate.md', import.meta.url);
const START = '<!-- finding-codes:start -->';
const END = '<!-- finding-codes:end -->';
const sentence = (s) => `${s[0].toUpperCase()}${s.slice(1)}.`;

const parts = [];
for (const [code, info] of Object.entries(GATE_FINDING_CODES)) {
  const advice = GATE_CODE_ADVICE[code];
  parts.push('', `### \`${code}\``, '', `Step: ${info.step}. ${sentence(info.title)}`, '', `- Why it matters: ${advice.why}.`, `- Fix: ${advice.fix}.`);
}
const text = await readFile(page, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start === -1 || end < start) throw new Error(`docs/gate.md lacks the ${START} … ${END} markers`);
await writeFile(new URL('../docs/gate.md.tmp', import.meta.url), `${text.slice(0, start + START.length)}${parts.join('\n')}\n\n${text.slice(end)}`);
await rename(new URL('../docs/gate.md.tmp', import.meta.url), page);
console.log(`wrote the sections of ${String(parts.length / 7)} finding codes into docs/gate.md`);
