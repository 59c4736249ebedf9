// A refusal line carries names the component chose: control characters in
// them are printed escaped, so no escape sequence reaches the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denialSink } from '../src/denials.js';

void test('control characters in a refusal are escaped on stderr', () => {
  const lines: string[] = [];
  const sink = denialSink({ write: (l) => lines.push(l) });
  sink.deny('filesystem', 'open-at', '/out/e\u001b[31mRED', '.. leads out of e\u001b]0;title\u0007 and \u009b2J');
  assert.equal(lines.length, 1);
  const line = lines[0] ?? '';
  assert.ok(line.endsWith('\n'));
  const controls = [...line.slice(0, -1)].filter((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));
  assert.deepEqual(controls, [], line);
  assert.match(line, /e\\u001b\]0;title\\u0007 and \\u009b2J$/m);
  assert.equal(sink.count, 1);
});
