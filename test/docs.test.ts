// Docs that cannot rot. Two checks over README.md and every docs/*.md page:
//
// 1. Every relative link resolves: the file exists, and a `#anchor` names a
//    heading of the target page (GitHub's slugs, from github-slugger).
// 2. Every fenced block whose info string is `sh test` is run, page by page,
//    in a scratch directory of its own that starts with the sample component
//    (`app.wasm`, examples/hello) and its `greetings.txt`. In such a block a
//    line `$ command` is run by bash with `wpack` meaning this checkout's
//    CLI, stdout and stderr together; the lines up to the next `$ ` are its
//    expected output. In an expected line `…` stands for any text, and a
//    line that is only `…` for any number of lines. A command exits 0 unless
//    it ends with a comment `# exit N`. The blocks of a page share the
//    directory, in order, as a reader would type them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { findingHelpUrl, GATE_DOCS_URL } from 'wpack';
import { GATE_CODE_ADVICE, GATE_FINDING_CODES, type GateFindingCode } from '@wpack/verifier';
import { REPO_ROOT, runProcess, runShell } from './helpers/cli.js';
import { escapeRegExp } from './helpers/regexp.js';
import { tempDir } from './helpers/tmp.js';

const PAGES = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const HELLO = join(REPO_ROOT, 'examples', 'hello');
const HELLO_WASM = join(HELLO, 'build', 'hello.wasm');

/** Every token of a page, nested ones (links inside lists and tables) included. */
function walk(tokens: Token[], out: Token[] = []): Token[] {
  for (const t of tokens) {
    out.push(t);
    const nested = t as Token & { tokens?: Token[]; items?: Token[]; header?: { tokens: Token[] }[]; rows?: { tokens: Token[] }[][] };
    if (nested.tokens) walk(nested.tokens, out);
    if (nested.items) walk(nested.items, out);
    if (nested.header) for (const cell of nested.header) walk(cell.tokens, out);
    if (nested.rows) for (const row of nested.rows) for (const cell of row) walk(cell.tokens, out);
  }
  return out;
}

function tokensOf(page: string): Token[] {
  return walk(new Lexer().lex(readFileSync(join(REPO_ROOT, page), 'utf8')));
}

const anchorCache = new Map<string, Set<string>>();

/** The anchors GitHub gives a page's headings (each page lexed once). */
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    const slugger = new GithubSlugger();
    const headings = tokensOf(relative(REPO_ROOT, file)).filter((t): t is Tokens.Heading => t.type === 'heading');
    anchors = new Set(headings.map((h) => slugger.slug(h.text.replace(/`/g, ''))));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

interface Step {
  command: string;
  exit: number;
  expected: string[];
}

/** The steps of one `sh test` block. */
function stepsOf(code: string): Step[] {
  const steps: Step[] = [];
  for (const line of code.split('\n')) {
    if (line.startsWith('$ ')) {
      const command = line.slice(2);
      const exit = /#\s*exit (\d+)\s*$/.exec(command);
      steps.push({ command, exit: exit ? Number(exit[1]) : 0, expected: [] });
    } else {
      const last = steps.at(-1);
      assert.ok(last !== undefined, `output before any command: ${line}`);
      last.expected.push(line.trimEnd());
    }
  }
  return steps;
}

/** Whether `actual` lines match `expected` ones, `…` standing for any text (or, alone, any lines). */
export function outputMatches(expected: string[], actual: string[]): boolean {
  const patterns = expected.map((e) => (e === '…' ? null : new RegExp(`^${e.split('…').map(escapeRegExp).join('.*')}$`)));
  const memo = new Map<string, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = `${String(i)},${String(j)}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let ok: boolean;
    if (i === patterns.length) ok = j === actual.length;
    else {
      const p = patterns[i];
      if (p === null) ok = from(i + 1, j) || (j < actual.length && from(i, j + 1));
      else ok = j < actual.length && p?.test(actual[j] ?? '') === true && from(i + 1, j + 1);
    }
    memo.set(key, ok);
    return ok;
  };
  return from(0, 0);
}

/** The sample component, built by examples/build-hello.mjs when it is missing or older than its source. */
async function helloComponent(): Promise<string> {
  const sources = [join(HELLO, 'src', 'hello.js'), join(HELLO, 'wit', 'hello.wit')];
  const fresh = existsSync(HELLO_WASM) && sources.every((s) => statSync(s).mtimeMs <= statSync(HELLO_WASM).mtimeMs);
  if (!fresh) {
    const built = await runProcess(process.execPath, [join(REPO_ROOT, 'examples', 'build-hello.mjs')], { timeoutMs: 240_000 });
    assert.equal(built.code, 0, built.stderr);
  }
  return HELLO_WASM;
}

void describe('docs: links', () => {
  for (const page of PAGES) {
    void test(`${page}: every relative link resolves`, () => {
      const links = tokensOf(page).filter((t): t is Tokens.Link => t.type === 'link').map((l) => l.href);
      const broken: string[] = [];
      for (const href of links) {
        if (/^[a-z]+:/i.test(href)) continue;
        const [path = '', anchor] = href.split('#');
        const target = path === '' ? join(REPO_ROOT, page) : resolve(dirname(join(REPO_ROOT, page)), decodeURI(path));
        if (!existsSync(target)) broken.push(`${href}: ${relative(REPO_ROOT, target)} does not exist`);
        else if (anchor !== undefined && anchor !== '' && !(target.endsWith('.md') && anchorsOf(target).has(anchor))) {
          broken.push(`${href}: ${relative(REPO_ROOT, target)} has no heading #${anchor}`);
        }
      }
      assert.deepEqual(broken, [], `${page}: broken links`);
    });
  }
});

void describe('docs: the finding codes', () => {
  void test('docs/gate.md has a section per code (the SARIF help URL points at it) with its step, title, why and fix', () => {
    const gate = join(REPO_ROOT, 'docs', 'gate.md');
    assert.ok(GATE_DOCS_URL.endsWith('/docs/gate.md'), GATE_DOCS_URL);
    const anchors = anchorsOf(gate);
    const sections = readFileSync(gate, 'utf8').split(/^### /m);
    const problems: string[] = [];
    for (const [code, info] of Object.entries(GATE_FINDING_CODES)) {
      const anchor = new URL(findingHelpUrl(code)).hash.slice(1);
      if (!anchors.has(anchor)) problems.push(`${code}: no heading #${anchor}`);
      const section = sections.find((t) => t.startsWith(`\`${code}\``)) ?? '';
      const advice = GATE_CODE_ADVICE[code as GateFindingCode];
      for (const want of [`Step: ${info.step}.`, info.title.slice(1), advice.why, advice.fix]) {
        if (!section.includes(want)) problems.push(`${code}: the section lacks ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(problems, [], 'docs/gate.md "Finding codes" is out of date with GATE_FINDING_CODES and GATE_CODE_ADVICE: run node scripts/finding-codes-doc.mjs');
  });
});

void describe('docs: the matcher', () => {
  void test('… stands for any text in a line and, alone, for any lines', () => {
    assert.ok(outputMatches(['wrote x', '  digest  sha256:…'], ['wrote x', '  digest  sha256:ab12']));
    assert.ok(outputMatches(['a', '…', 'z'], ['a', 'b', 'c', 'z']));
    assert.ok(outputMatches(['a', '…', 'z'], ['a', 'z']));
    assert.ok(!outputMatches(['a', 'z'], ['a', 'b', 'z']));
    assert.ok(!outputMatches(['digest (x)'], ['digest (y)']), 'other text is literal, parentheses included');
    assert.ok(!outputMatches(['a'], ['a', 'b']), 'a line the docs do not show fails');
  });
});

void describe('docs: the shell examples run', { concurrency: 2 }, () => {
  for (const page of PAGES) {
    const blocks = tokensOf(page).filter((t): t is Tokens.Code => t.type === 'code' && t.lang === 'sh test');
    if (blocks.length === 0) continue;
    void test(`${page}: ${String(blocks.length)} example block(s)`, async () => {
      const wasm = await helloComponent();
      const { dir, cleanup } = await tempDir('wpack-docs-');
      try {
        await copyFile(wasm, join(dir, 'app.wasm'));
        await copyFile(join(HELLO, 'greetings.txt'), join(dir, 'greetings.txt'));
        for (const step of blocks.flatMap((b) => stepsOf(b.text))) {
          const run = await runShell(`wpack() { node "$WPACK" "$@"; }\nexec 2>&1\n${step.command}`, { cwd: dir, timeoutMs: 120_000, env: { SOURCE_DATE_EPOCH: '1700000000' } });
          const actual = run.stdout.replace(/\n$/, '').split('\n').map((l) => l.trimEnd());
          const shown = actual.length === 1 && actual[0] === '' ? [] : actual;
          assert.equal(run.code, step.exit, `${page}: \`${step.command}\` exited ${String(run.code)}:\n${run.stdout}`);
          assert.ok(
            outputMatches(step.expected, shown),
            `${page}: \`${step.command}\` printed:\n${shown.join('\n')}\n--- the page shows:\n${step.expected.join('\n')}`,
          );
        }
      } finally {
        await cleanup();
      }
    });
  }
});
