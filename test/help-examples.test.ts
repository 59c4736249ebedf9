// Every example that `wpack <command> --help` shows is a real invocation:
// it calls wpack with that command, and its arguments and flags parse with
// the command's own parser (flag names, values, exclusive and dependent
// flags). Placeholder names are the same across commands, so the examples
// read as one story: app.wpack, host-policy.json, release.key/release.pub.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Config, Flags, Parser, type Command } from '@oclif/core';
import { REPO_ROOT } from './helpers/cli.js';

interface Example {
  command: string;
  text: string;
}

let config: Config;
const examples: Example[] = [];
const classes = new Map<string, Command.Class>();

before(async () => {
  config = await Config.load(join(REPO_ROOT, 'packages', 'cli'));
  for (const c of config.commands.filter((x) => x.pluginName === 'wpack')) {
    classes.set(c.id, await c.load());
    for (const e of c.examples ?? []) examples.push({ command: c.id, text: typeof e === 'string' ? e : e.command });
  }
});

/** The example as help prints it: oclif's two template tags filled in, continuation lines joined. */
function render(e: Example): string {
  const text = e.text.replaceAll('<%= config.bin %>', config.bin).replaceAll('<%= command.id %>', e.command.replaceAll(':', ' '));
  assert.doesNotMatch(text, /<%/, `an unknown template tag in ${e.text}`);
  return text.replace(/\\\n\s*/g, '');
}

/**
 * Shell words, enough for examples: quotes, `$(...)`, `|` and `>` as words
 * of their own, a `#` comment dropped. Quotes are removed, not expanded.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === '#' && word === undefined) {
      break;
    } else if ((ch === '|' || ch === '>') && word === undefined) {
      words.push(ch);
    } else if (ch === "'" || ch === '"') {
      const end = line.indexOf(ch, i + 1);
      assert.ok(end > i, `an unclosed quote in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '$' && line[i + 1] === '(') {
      const end = line.indexOf(')', i);
      assert.ok(end > i, `an unclosed $( in ${line}`);
      word = (word ?? '') + line.slice(i, end + 1);
      i = end;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The wpack invocation of an example: in one segment of a pipeline, after any VAR=value, its redirection dropped. */
function invocation(words: string[]): string[] {
  const segments: string[][] = [[]];
  for (const w of words) {
    if (w === '|') segments.push([]);
    else segments.at(-1)?.push(w);
  }
  const calls = segments
    .map((s) => s.slice(s.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w))))
    .filter((s) => s[0] === config.bin);
  assert.equal(calls.length, 1, `one wpack call in: ${words.join(' ')}`);
  const call = calls[0] ?? [];
  const redirect = call.indexOf('>');
  return redirect >= 0 ? [...call.slice(1, redirect), ...call.slice(redirect + 2)] : call.slice(1);
}

async function parseExample(e: Example): Promise<{ args: Record<string, unknown>; flags: Record<string, unknown> }> {
  const argv = invocation(shellWords(render(e)));
  const words = e.command.split(':');
  assert.deepEqual(argv.slice(0, words.length), words, `the example of ${e.command} calls ${argv.join(' ')}`);
  const Cmd = classes.get(e.command);
  assert.ok(Cmd, e.command);
  const flags = { ...Cmd.baseFlags, ...Cmd.flags, ...(Cmd.enableJsonFlag ? { json: Flags.boolean() } : {}) };
  const out = await Parser.parse(argv.slice(words.length), { flags, args: Cmd.args, strict: Cmd.strict });
  return { args: out.args, flags: out.flags };
}

void describe('wpack <command> --help: examples', () => {
  void test('every command shows at least one example', () => {
    for (const id of classes.keys()) assert.ok(examples.some((e) => e.command === id), `${id} has no example`);
  });

  void test('every example calls its own command, and its arguments and flags parse', async () => {
    assert.ok(examples.length >= 30, String(examples.length));
    const failures: string[] = [];
    for (const e of examples) {
      await parseExample(e).catch((err: unknown) => failures.push(`${e.command}: ${e.text}\n  ${(err as Error).message.split('\n')[0] ?? ''}`));
    }
    assert.deepEqual(failures, []);
  });

  void test('placeholders are the same everywhere: app.wpack, host-policy.json, release.key to sign, release.pub to verify', async () => {
    for (const e of examples) {
      const { args, flags } = await parseExample(e);
      const where = `${e.command}: ${e.text}`;
      for (const v of [...Object.values(args), ...Object.values(flags)].flat()) {
        if (typeof v === 'string' && v.endsWith('.wpack')) assert.equal(v, 'app.wpack', where);
      }
      // A policy path is the host policy, or an absolute path inside a container.
      if (typeof flags.policy === 'string') assert.match(flags.policy, /^(host-policy\.json|\/.+\.json)$/, where);
      const keys = [flags.key].flat().filter((k): k is string => typeof k === 'string');
      for (const key of keys) assert.equal(key, e.command === 'sign' ? 'release.key' : 'release.pub', where);
    }
  });

  void test('the checks reject what they should: an unknown flag, another command, a missing wpack', async () => {
    await assert.rejects(parseExample({ command: 'verify', text: '<%= config.bin %> verify app.wpack --polciy host-policy.json' }));
    await assert.rejects(parseExample({ command: 'verify', text: '<%= config.bin %> inspect app.wpack' }));
    await assert.rejects(parseExample({ command: 'verify', text: 'cosign verify app.wpack' }));
    await assert.rejects(parseExample({ command: 'verify', text: '<%= config.bin %> verify app.wpack --policy host-policy.json --key release.pub' }), 'exclusive flags');
  });
});
