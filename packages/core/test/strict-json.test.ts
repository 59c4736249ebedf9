// The strict JSON reader every untrusted document goes through: duplicate
// keys are errors located by JSON pointer (RFC 6901), syntax errors name their
// line and column, comments only where the caller allows them, and the value
// is exactly JSON.parse's. Also quoteValue, which every such message uses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPointer, MAX_DUPLICATE_PROBLEMS, parseStrictJson, readJson } from '../src/strict-json.js';
import { QUOTE_LIMIT, quotePointer, quoteValue } from '../src/quote.js';
import { WpackError } from '../src/errors.js';

function paths(text: string, comments = false): string[] {
  const { value, problems } = readJson(text, { comments });
  if (problems.length > 0) assert.equal(value, undefined, 'no value when there is a problem');
  return problems.map((p) => p.path);
}

void describe('strict JSON: duplicate keys', () => {
  void test('a duplicate key at the root is a problem at its pointer', () => {
    const { value, problems } = readJson('{"mode":"enforce","mode":"warn"}');
    assert.equal(value, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, '/mode');
    assert.match(problems[0]?.message ?? '', /"mode"/);
  });

  void test('duplicates nested in objects and arrays are located by pointer', () => {
    assert.deepEqual(paths('{"a":{"b":{"c":1,"c":2}}}'), ['/a/b/c']);
    assert.deepEqual(paths('{"list":[{"k":1},{"k":1,"k":2}]}'), ['/list/1/k']);
    assert.deepEqual(paths('[[{"x":0}],[{"y":0,"y":1}]]'), ['/1/0/y']);
    assert.deepEqual(paths('{"a":1,"b":{"a":1},"a":2,"a":3}'), ['/a', '/a']);
  });

  void test('the pointer escapes "~" as ~0 and "/" as ~1', () => {
    assert.deepEqual(paths('{"a/b":{"~k/":1,"~k/":2}}'), ['/a~1b/~0k~1']);
    assert.deepEqual(paths('{"":{"":1,"":2}}'), ['//']);
    assert.equal(jsonPointer([]), '');
    assert.equal(jsonPointer(['~/', 0, 'x']), '/~0~1/0/x');
  });

  void test('equal keys in different objects are not duplicates', () => {
    assert.deepEqual(readJson('{"a":{"k":1},"b":{"k":2},"k":[{"k":3},{"k":4}]}').problems, []);
  });

  void test('keys are compared as decoded strings: an escaped duplicate is still a duplicate', () => {
    assert.deepEqual(paths('{"name":1,"n\\u0061me":2}'), ['/name']);
  });

  void test('__proto__ twice is a duplicate like any other key', () => {
    assert.deepEqual(paths('{"__proto__":1,"__proto__":2}'), ['/__proto__']);
  });

  void test('many duplicates: the first are listed, one more line counts the rest', () => {
    const text = `{${Array.from({ length: MAX_DUPLICATE_PROBLEMS + 30 }, (_, i) => `"k":${String(i)}`).join(',')}}`;
    const { problems } = readJson(text);
    assert.equal(problems.length, MAX_DUPLICATE_PROBLEMS + 1);
    assert.match(problems[MAX_DUPLICATE_PROBLEMS]?.message ?? '', /\b29 more\b/);
  });

  void test('a long duplicate key is quoted cut, with its length', () => {
    const key = 'k'.repeat(100_000);
    const { problems } = readJson(`{"${key}":1,"${key}":2}`);
    assert.equal(problems.length, 1);
    assert.ok((problems[0]?.message.length ?? Infinity) < 300);
    assert.match(problems[0]?.message ?? '', /100000 characters/);
    assert.ok((problems[0]?.path.length ?? Infinity) < 300);
  });

  void test('parseStrictJson throws INVALID_JSON carrying every problem', () => {
    assert.throws(
      () => parseStrictJson('{"a":1,"a":2,"b":{"c":0,"c":0}}', 'doc.json'),
      (err: unknown) => {
        assert.ok(err instanceof WpackError);
        assert.equal(err.code, 'INVALID_JSON');
        assert.equal(err.category, 'input');
        assert.deepEqual(
          err.problems.map((p) => p.path),
          ['/a', '/b/c'],
        );
        return true;
      },
    );
  });
});

void describe('strict JSON: syntax errors', () => {
  const cases: [string, string, number, number][] = [
    ['a missing value', '{\n  "a": 1,\n  "b": \n}', 4, 1],
    ['a trailing comma', '{"a":1,}', 1, 8],
    ['a missing comma', '[1 2]', 1, 4],
    ['text after the value', '{}\n\n  x', 3, 3],
    ['an unterminated string', '{\r\n"a": "b}', 2, 6],
    ['empty input', '', 1, 1],
    ['a byte order mark', '\uFEFF{}', 1, 1],
  ];
  for (const [what, text, line, column] of cases) {
    void test(`${what}: one problem at the root naming line ${String(line)}, column ${String(column)}`, () => {
      const { value, problems } = readJson(text);
      assert.equal(value, undefined);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.path, '');
      assert.match(problems[0]?.message ?? '', new RegExp(`at line ${String(line)}, column ${String(column)}$`));
      assert.throws(() => JSON.parse(text), SyntaxError, 'JSON.parse refuses it too');
    });
  }

  void test('everything JSON.parse refuses is refused', () => {
    for (const text of ['{"a":01}', '"\\u00"', '"a\tb"', '"\\x"', '.5', '+1', 'NaN', '{"a" 1}', "{'a':1}", '\u00a0{}', 'undefined', '[', '{"a":1}}']) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      assert.notEqual(readJson(text).problems.length, 0, text);
      assert.notEqual(readJson(text, { comments: true }).problems.length, 0, text);
    }
  });
});

void describe('strict JSON: comments only when asked', () => {
  const commented = '// a policy\n{\n  /* the mode */ "mode": "warn", // trailing\n  "list": [1, 2, /* last */ ],\n  "o": {"k": 1,},\n}\n';
  const plain = { mode: 'warn', list: [1, 2], o: { k: 1 } };

  void test('without the option, a comment or a trailing comma is a syntax error', () => {
    assert.equal(readJson(commented).problems.length, 1);
    assert.match(readJson('{"a":1} // x').problems[0]?.message ?? '', /line 1, column 9/);
    assert.equal(readJson('[1,]').problems.length, 1);
  });

  void test('with it, comments and trailing commas are read and mean nothing', () => {
    assert.deepEqual(readJson(commented, { comments: true }), { value: plain, problems: [] });
    assert.equal(readJson('[1, /* c */ ,]', { comments: true }).problems.length, 1, 'two commas are still an error');
  });

  void test('duplicates are found with comments allowed too', () => {
    assert.deepEqual(paths('{"mode":"enforce", // first\n "mode":"warn",}', true), ['/mode']);
  });

  void test('a commented "__proto__" is an own property, as JSON.parse makes it, never the prototype', () => {
    const { value } = readJson('{ /* c */ "__proto__": {"mode": "warn"}, }', { comments: true });
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal((value as { mode?: unknown }).mode, undefined);
    assert.deepEqual(Object.keys(value as object), ['__proto__']);
  });

  void test('comment markers inside strings are text', () => {
    assert.deepEqual(readJson('{"url":"https://x/*y*/", "c": "//"}', { comments: true }).value, { url: 'https://x/*y*/', c: '//' });
  });
});

void describe('strict JSON: the value is JSON.parse’s', () => {
  const texts = [
    '{"a":[1,-0,1e400,-1.5e-3,0.1],"b":null,"c":true,"d":false,"e":"\\u00e9\\n\\ud83d\\ude00\\ud800","f":{}}',
    '{"__proto__":{"x":1},"constructor":2}',
    '[]',
    '"just a string"',
    '123456789012345678901234567890',
    ' \t\r\n{"ws" : [ ] }\n',
    '{"z":1,"a":2,"10":3,"2":4}',
  ];
  for (const text of texts) {
    void test(JSON.stringify(text).slice(0, 50), () => {
      const expected = JSON.parse(text) as unknown;
      for (const comments of [false, true]) {
        const { value, problems } = readJson(text, { comments });
        assert.deepEqual(problems, []);
        assert.deepEqual(value, expected);
      }
    });
  }

  void test('-0 stays -0 and key order is kept', () => {
    const { value } = readJson('{"b":-0,"a":1,"1":2}');
    assert.ok(Object.is((value as { b: number }).b, -0));
    assert.deepEqual(Object.keys(value as object), ['1', 'b', 'a']);
  });
});

void describe('quoteValue', () => {
  void test('a short value is JSON-quoted whole', () => {
    assert.equal(quoteValue('env:APP_*'), '"env:APP_*"');
    assert.equal(quoteValue('a\nb"'), '"a\\nb\\""');
    assert.equal(quoteValue('x'.repeat(QUOTE_LIMIT)), JSON.stringify('x'.repeat(QUOTE_LIMIT)));
  });

  void test('a long value is cut to the limit and its length is said', () => {
    const quoted = quoteValue('y'.repeat(50 * 1024 * 1024));
    assert.ok(quoted.length < QUOTE_LIMIT + 40, quoted);
    assert.ok(quoted.startsWith(JSON.stringify('y'.repeat(QUOTE_LIMIT))));
    assert.match(quoted, /\(52428800 characters\)$/);
  });

  void test('a cut never splits a surrogate pair', () => {
    const quoted = quoteValue('a'.repeat(QUOTE_LIMIT - 1) + '😀'.repeat(10));
    assert.ok(!quoted.includes('\\ud83d'), quoted);
    assert.match(quoted, /\(139 characters\)$/);
  });

  void test('a pointer is cut only in its over-long segments', () => {
    assert.equal(quotePointer('/capabilities/allow/0'), '/capabilities/allow/0');
    const cut = quotePointer(`/a/${'k'.repeat(5000)}/0`);
    assert.ok(cut.startsWith(`/a/${'k'.repeat(QUOTE_LIMIT)}… (5000 characters)/0`), cut);
    assert.ok(cut.length < QUOTE_LIMIT + 40);
  });
});
