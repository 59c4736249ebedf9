// One node:test run over every compiled test file, so CI reads a single summary.
// Builds the fixture components first (real components, made from WIT by jco).
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtures } from './fixtures/build.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The workspace folders, from the root package.json: every package's tests run. */
function workspaces(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return manifest.workspaces;
}

function findTests(dir: string, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = [
  ...workspaces().flatMap((p) => findTests(join(root, p, 'dist', 'test'), [])),
  ...findTests(join(root, 'test', 'dist'), []),
]
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)))
  .sort();

await buildFixtures();

let passed = 0;
let failed = 0;
let skipped = 0;
const stream = run({ files, concurrency: 2 });
stream.on('test:pass', (event) => {
  if (event.details.type === 'suite') return;
  // node:test reports a skipped or todo test as passed; count it apart, as node's own summary does.
  if (event.skip !== undefined || event.todo !== undefined) skipped += 1;
  else passed += 1;
});
stream.on('test:fail', (event) => {
  if (event.details.type !== 'suite') failed += 1;
});
const reporter = stream.compose(new spec()) as NodeJS.ReadableStream;
reporter.pipe(process.stdout, { end: false });
// The plain summary goes last, alone on its line, after the reporter's own output.
reporter.on('end', () => {
  console.log(`\n${String(passed)} passed, ${String(failed)} failed, ${String(skipped)} skipped`);
  if (failed > 0 || passed === 0) process.exitCode = 1;
});
