// The capability grammar (DESIGN §2): parsing, normalisation, containment,
// overlap and the WASI table, as wide tables of cases.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { capabilityKinds, parseCapability, parseCapabilityPattern } from '../src/capabilities/grammar.js';
import { grants, overlaps } from '../src/capabilities/match.js';
import { describeCapability, requirementFor, WASI_CAPABILITY_TABLE } from '../src/capabilities/wasi-table.js';
import { segmentGlobContains, segmentGlobIntersects, starGlobContains, starGlobIntersects } from '@wpack/core';
import { ManifestError } from '../src/errors.js';

function rejects(parse: (text: string) => unknown, text: string, reason?: string): void {
  assert.throws(
    () => parse(text),
    (error: unknown) => {
      assert.ok(error instanceof ManifestError, `expected a ManifestError for ${JSON.stringify(text)}`);
      assert.equal(error.code, 'INVALID_CAPABILITY');
      if (reason !== undefined) assert.ok(error.message.includes(reason), `"${error.message}" should say "${reason}"`);
      return true;
    },
  );
}

/** Every string of up to `max` tokens. */
function strings(tokens: readonly string[], max: number): string[] {
  const out = [''];
  let frontier = [''];
  for (let len = 1; len <= max; len++) {
    frontier = frontier.flatMap((prefix) => tokens.map((t) => prefix + t));
    out.push(...frontier);
  }
  return out;
}

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

void describe('parseCapability: accepted and normalised', () => {
  const cases: [input: string, canonical: string][] = [
    ['filesystem:read:/var/data', 'filesystem:read:/var/data'],
    ['filesystem:read:/var/data/', 'filesystem:read:/var/data'],
    ['filesystem:write://var//data/./x/', 'filesystem:write:/var/data/x'],
    ['filesystem:read:/', 'filesystem:read:/'],
    ['filesystem:read:///', 'filesystem:read:/'],
    ['filesystem:read:/my dir/file.txt', 'filesystem:read:/my dir/file.txt'],
    ['filesystem:read:/a:b', 'filesystem:read:/a:b'],
    ['network:outbound:443', 'network:outbound:*:443'],
    ['network:outbound:*:443', 'network:outbound:*:443'],
    ['network:outbound:*', 'network:outbound:*:*'],
    ['network:outbound:API.Acme.COM.:443', 'network:outbound:api.acme.com:443'],
    ['network:outbound:*.Acme.com:8000-8999', 'network:outbound:*.acme.com:8000-8999'],
    ['network:outbound:localhost:5432', 'network:outbound:localhost:5432'],
    ['network:outbound:[2001:DB8:0:0:0:0:0:1]:443', 'network:outbound:[2001:db8::1]:443'],
    ['network:outbound:[0:0:0:0:0:0:0:1]:443', 'network:outbound:[::1]:443'],
    ['network:outbound:[::ffff:10.0.0.1]:80', 'network:outbound:10.0.0.1:80'],
    ['network:outbound:10.1.2.3/8:443', 'network:outbound:10.0.0.0/8:443'],
    ['network:outbound:10.0.0.1/32:22', 'network:outbound:10.0.0.1:22'],
    ['network:outbound:[fd00:1::/8]:*', 'network:outbound:[fd00::/8]:*'],
    ['network:outbound:*:1-65535', 'network:outbound:*:*'],
    ['network:outbound:*:0443', 'network:outbound:*:443'],
    ['network:inbound:8080', 'network:inbound:8080'],
    ['network:inbound:*', 'network:inbound:*'],
    ['network:inbound:9000-9000', 'network:inbound:9000'],
    ['network:dns', 'network:dns'],
    ['http:outbound:https://API.acme.com', 'http:outbound:https://api.acme.com'],
    ['http:outbound:https://api.acme.com:443', 'http:outbound:https://api.acme.com'],
    ['http:outbound:HTTP://api.acme.com:80/', 'http:outbound:http://api.acme.com'],
    ['http:outbound:http://api.acme.com:443', 'http:outbound:http://api.acme.com:443'],
    ['http:outbound:*://api.acme.com:8080', 'http:outbound:*://api.acme.com:8080'],
    ['http:outbound:*://api.acme.com:443', 'http:outbound:*://api.acme.com:443'],
    ['http:outbound:https://[::1]:8443', 'http:outbound:https://[::1]:8443'],
    ['http:outbound:https://*.acme.com', 'http:outbound:https://*.acme.com'],
    ['http:outbound:*://*:*', 'http:outbound:*://*:*'],
    ['http:inbound', 'http:inbound'],
    ['env:APP_DEBUG', 'env:APP_DEBUG'],
    ['env:APP_**', 'env:APP_*'],
    ['env:*', 'env:*'],
    ['env:A?C', 'env:A?C'],
    ['stdio:stdin', 'stdio:stdin'],
    ['stdio:stderr', 'stdio:stderr'],
    ['terminal', 'terminal'],
    ['clock:wall', 'clock:wall'],
    ['clock:monotonic', 'clock:monotonic'],
    ['random:secure', 'random:secure'],
    ['random:insecure', 'random:insecure'],
    ['exit', 'exit'],
    ['nn:ONNX', 'nn:onnx'],
    ['import:acme:kv/store', 'import:acme:kv/store'],
    ['import:wasi:keyvalue/store@0.2.0-draft', 'import:wasi:keyvalue/store@0.2.0-draft'],
    ['import:acme:KV/store', 'import:acme:KV/store'],
    ['import:acme:nested:pkg/iface/sub@1.0', 'import:acme:nested:pkg/iface/sub@1.0'],
  ];
  for (const [input, canonical] of cases) {
    void test(`${input} → ${canonical}`, () => {
      const cap = parseCapability(input);
      assert.equal(cap.text, canonical);
      assert.equal(cap.form, 'declared');
      // Canonical text is a fixed point.
      assert.equal(parseCapability(cap.text).text, canonical);
    });
  }

  void test('fields of a parsed network capability', () => {
    assert.deepEqual(parseCapability('network:outbound:*.ACME.com:8000-8999'), {
      form: 'declared',
      kind: 'network',
      action: 'outbound',
      host: { type: 'wildcard', suffix: 'acme.com' },
      ports: { lo: 8000, hi: 8999 },
      text: 'network:outbound:*.acme.com:8000-8999',
    });
  });

  void test('fields of a parsed CIDR host', () => {
    const cap = parseCapability('network:outbound:[FD00::1/16]:443');
    assert.equal(cap.kind === 'network' && cap.action === 'outbound' ? cap.host.type : '', 'ip');
    assert.deepEqual(cap.kind === 'network' && cap.action === 'outbound' ? cap.host : null, {
      type: 'ip',
      version: 6,
      address: 'fd00::',
      prefix: 16,
    });
  });

  void test('http scheme default port is null, explicit port kept', () => {
    const dflt = parseCapability('http:outbound:https://a.com');
    const explicit = parseCapability('http:outbound:https://a.com:8443');
    assert.equal(dflt.kind === 'http' && dflt.action === 'outbound' ? dflt.ports : 'x', null);
    assert.deepEqual(explicit.kind === 'http' && explicit.action === 'outbound' ? explicit.ports : null, { lo: 8443, hi: 8443 });
  });
});

void describe('parseCapabilityPattern: accepted and normalised', () => {
  const cases: [input: string, canonical: string][] = [
    ['filesystem:read:/var/data/**', 'filesystem:read:/var/data/**'],
    ['filesystem:read:/var/**/**/x', 'filesystem:read:/var/**/x'],
    ['filesystem:read:/var/a**b/', 'filesystem:read:/var/a*b'],
    ['filesystem:read:/home/*/da?a/**', 'filesystem:read:/home/*/da?a/**'],
    ['filesystem:*:/data', 'filesystem:*:/data'],
    ['filesystem:*', 'filesystem:*:/**'],
    ['network:*', 'network:*'],
    ['network:outbound:*.acme.com:443', 'network:outbound:*.acme.com:443'],
    ['network:inbound:*', 'network:inbound:*'],
    ['http:*', 'http:*'],
    ['stdio:*', 'stdio:*'],
    ['clock:*', 'clock:*'],
    ['random:*', 'random:*'],
    ['import:acme:*', 'import:acme:*'],
    ['import:*', 'import:*'],
    ['nn:*', 'nn:*'],
    ['env:SECRET_*', 'env:SECRET_*'],
  ];
  for (const [input, canonical] of cases) {
    void test(`${input} → ${canonical}`, () => {
      const pattern = parseCapabilityPattern(input);
      assert.equal(pattern.text, canonical);
      assert.equal(pattern.form, 'pattern');
      assert.equal(parseCapabilityPattern(pattern.text).text, canonical);
    });
  }
});

void describe('parseCapability: rejected', () => {
  const cases: [input: string, reason?: string][] = [
    ['', 'capability is empty'],
    [`env:${'A'.repeat(1024)}`, 'longer than 1024'],
    [' env:A', 'whitespace'],
    ['env:A\n', 'control characters'],
    ['foo:bar', 'unknown capability kind "foo"'],
    ['Filesystem:read:/x', 'unknown capability kind "Filesystem"'],
    ['*', 'unknown capability kind "*"'],
    ['filesystem:READ:/x'],
    ['filesystem:exec:/x'],
    ['filesystem:read'],
    ['filesystem:read:'],
    ['filesystem'],
    ['filesystem:read:var/data', 'path must be absolute'],
    ['filesystem:read:C:\\data', 'path must be absolute'],
    ['filesystem:read:/var/../etc', "path must not contain '..' segments"],
    ['filesystem:read:/var/data/..', "path must not contain '..' segments"],
    ['filesystem:read:/var/*', 'path must not contain glob characters'],
    ['filesystem:read:/var/data/**', 'path must not contain glob characters'],
    ['filesystem:read:/var/{a,b}', 'path must not contain glob characters'],
    ['filesystem:read:/var/x?', 'path must not contain glob characters'],
    ['filesystem:read:/a\\b'],
    ['filesystem:*:/data'],
    ['filesystem:*'],
    ['network'],
    ['network:listen:80'],
    ['network:dns:x'],
    ['network:inbound'],
    ['network:*'],
    ['network:outbound:0', 'port must be 1-65535'],
    ['network:outbound:*:65536', 'port must be 1-65535'],
    ['network:inbound:0-80', 'port must be 1-65535'],
    ['network:outbound:*:443-80'],
    ['network:outbound:*:abc'],
    ['network:outbound:*:'],
    ['network:outbound:api.acme.com'],
    ['network:outbound:::1:443'],
    ['network:outbound:[::1]'],
    ['network:outbound:[::1:443'],
    ['network:outbound:[10.0.0.1]:443'],
    ['network:outbound:api.*.com:443'],
    ['network:outbound:api*.acme.com:443'],
    ['network:outbound:bad_host!:443'],
    ['network:outbound:-acme.com:443'],
    ['network:outbound:a..b:443'],
    ['network:outbound:10.0.0.256:443'],
    ['network:outbound:127.1:443'],
    ['network:outbound:010.0.0.1:443'],
    ['network:outbound:10.0.0.0/33:443'],
    ['network:outbound:10.0.0.0/08:443'],
    ['network:outbound:[fe80::1%eth0]:443'],
    ['network:outbound:*.:443'],
    ['network:outbound::443'],
    ['http'],
    ['http:outbound'],
    ['http:outbound:ftp://a.com'],
    ['http:outbound:https://a.com/path'],
    ['http:outbound:https://a.com?q=1'],
    ['http:outbound:https://user@a.com'],
    ['http:outbound:a.com'],
    ['http:outbound:https://'],
    ['http:outbound:https://a.com:0', 'port must be 1-65535'],
    ['http:outbound:https://::1'],
    ['http:inbound:80'],
    ['http:serve'],
    ['env'],
    ['env:'],
    ['env:A=B'],
    ['env:A B'],
    ['stdio'],
    ['stdio:stdio'],
    ['stdio:*'],
    ['clock:utc'],
    ['random:fast'],
    ['terminal:x'],
    ['exit:1'],
    ['nn'],
    ['nn:*'],
    ['nn:on nx'],
    ['import'],
    ['import:acme'],
    ['import:acme:kv'],
    ['import:acme:*'],
    ['import:acme:kv/-x'],
    ['import:acme:kv/store@x.y'],
    ['import:acme:kv/store@1.0.0@2'],
    ['import:acme:kv/store@'],
  ];
  for (const [input, reason] of cases) {
    void test(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      rejects(parseCapability, input, reason);
    });
  }
});

void describe('parseCapabilityPattern: rejected', () => {
  const cases: [input: string, reason?: string][] = [
    ['filesystem:read:/var/[ab]'],
    ['filesystem:read:/var/{a,b}/**'],
    ['filesystem:read:/var/../x/**', "path must not contain '..' segments"],
    ['filesystem:read:data/**', 'path must be absolute'],
    ['network:*:443'],
    ['http:*:x'],
    ['http:outbound:https://api.*.com'],
    ['terminal:*'],
    ['import:acme kv'],
    ['unknown:*', 'unknown capability kind "unknown"'],
  ];
  for (const [input, reason] of cases) {
    void test(`rejects pattern ${JSON.stringify(input)}`, () => {
      rejects(parseCapabilityPattern, input, reason);
    });
  }
});

// [pattern, declared capability, granted?]
const GRANTS: [string, string, boolean][] = [
  // filesystem: a declared path is that directory and its subtree; a plain policy path likewise.
  ['filesystem:read:/var/data/**', 'filesystem:read:/var/data', true],
  ['filesystem:read:/var/data/**', 'filesystem:read:/var/data/x', true],
  ['filesystem:read:/var/data/**', 'filesystem:read:/var/data/x/y/z', true],
  ['filesystem:read:/var/data/**', 'filesystem:read:/var/database', false],
  ['filesystem:read:/var/data/**', 'filesystem:read:/var', false],
  ['filesystem:read:/var/data/**', 'filesystem:read:/', false],
  ['filesystem:read:/var/data', 'filesystem:read:/var/data/x/y', true],
  ['filesystem:read:/var/data/', 'filesystem:read:/var/data', true],
  ['filesystem:read:/var/data', 'filesystem:read:/var/data/', true],
  ['filesystem:read:/var/data', 'filesystem:read:/var/database', false],
  ['filesystem:read:/var/data', 'filesystem:read://var//data', true],
  ['filesystem:read:/var/data/*', 'filesystem:read:/var/data/x', false],
  ['filesystem:read:/var/data/*', 'filesystem:read:/var/data', false],
  ['filesystem:read:/home/*/data/**', 'filesystem:read:/home/alice/data/x', true],
  ['filesystem:read:/home/*/data/**', 'filesystem:read:/home/alice/data', true],
  ['filesystem:read:/home/*/data/**', 'filesystem:read:/home/alice/other', false],
  ['filesystem:read:/home/*/data/**', 'filesystem:read:/home/alice/bob/data', false],
  ['filesystem:read:/home/*/data/**', 'filesystem:read:/home', false],
  ['filesystem:read:/home/**/data/**', 'filesystem:read:/home/a/b/data/c', true],
  ['filesystem:read:/home/**/data/**', 'filesystem:read:/home/data', true],
  ['filesystem:read:/home/**/data/**', 'filesystem:read:/home/a/b', false],
  ['filesystem:read:/**', 'filesystem:read:/', true],
  ['filesystem:read:/', 'filesystem:read:/etc', true],
  ['filesystem:read:/var/d?ta/**', 'filesystem:read:/var/data', true],
  ['filesystem:read:/var/d?ta/**', 'filesystem:read:/var/dta', false],
  ['filesystem:read:/var/data*/**', 'filesystem:read:/var/database', true],
  ['filesystem:read:/var/data*/**', 'filesystem:read:/var/dat', false],
  // write implies read, not the other way round
  ['filesystem:write:/var/data', 'filesystem:read:/var/data', true],
  ['filesystem:write:/var/data/**', 'filesystem:write:/var/data/x', true],
  ['filesystem:read:/var/data/**', 'filesystem:write:/var/data', false],
  ['filesystem:*:/var/data', 'filesystem:write:/var/data/x', true],
  ['filesystem:*', 'filesystem:write:/', true],
  // network: hosts
  ['network:outbound:*.acme.com:443', 'network:outbound:a.acme.com:443', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:a.b.acme.com:443', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:*.x.acme.com:443', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:*.acme.com:443', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:A.ACME.COM:443', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:acme.com:443', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:evilacme.com:443', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:acme.com.evil.io:443', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:*:443', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:a.acme.com:80', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:*.com:443', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:10.0.0.1:443', false],
  ['network:outbound:api.acme.com:443', 'network:outbound:API.acme.com.:443', true],
  ['network:outbound:api.acme.com:443', 'network:outbound:api.acme.com:8443', false],
  ['network:outbound:api.acme.com:443', 'network:outbound:*.api.acme.com:443', false],
  // `network:outbound:<port>` is host `*`
  ['network:outbound:*:443', 'network:outbound:443', true],
  ['network:outbound:443', 'network:outbound:*:443', true],
  ['network:outbound:443', 'network:outbound:api.acme.com:443', true],
  ['network:outbound:443', 'network:outbound:10.0.0.1:443', true],
  ['network:outbound:api.acme.com:443', 'network:outbound:443', false],
  ['network:outbound:*:*', 'network:outbound:*:443', true],
  // ports
  ['network:outbound:*.acme.com:8000-8999', 'network:outbound:a.acme.com:8080', true],
  ['network:outbound:*.acme.com:8000-8999', 'network:outbound:a.acme.com:8000-8999', true],
  ['network:outbound:*.acme.com:8000-8999', 'network:outbound:a.acme.com:7999-8000', false],
  ['network:outbound:*:*', 'network:outbound:a.com:1-65535', true],
  ['network:outbound:a.com:443', 'network:outbound:a.com:*', false],
  // CIDR v4 / v6 and IPv4-mapped addresses
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:10.1.2.3:443', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:10.2.0.0/16:443', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:10.0.0.0/8:443', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:11.0.0.1:443', false],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:0.0.0.0/0:443', false],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:ten.example:443', false],
  ['network:outbound:10.0.0.0/16:*', 'network:outbound:10.0.0.0/8:443', false],
  ['network:outbound:[fd00::/8]:*', 'network:outbound:[fd12::1]:443', true],
  ['network:outbound:[fd00::/8]:*', 'network:outbound:[fd00:1::/32]:443', true],
  ['network:outbound:[fd00::/8]:*', 'network:outbound:[fe80::1]:443', false],
  ['network:outbound:[fd00::/8]:*', 'network:outbound:10.0.0.1:443', false],
  ['network:outbound:[::1]:443', 'network:outbound:[0:0:0:0:0:0:0:1]:443', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:[::ffff:10.0.0.1]:80', true],
  ['network:outbound:[::ffff:0:0/96]:*', 'network:outbound:10.0.0.1:80', true],
  ['network:outbound:0.0.0.0/0:*', 'network:outbound:[::1]:80', false],
  // other network actions
  ['network:inbound:*', 'network:inbound:8080', true],
  ['network:inbound:8000-8999', 'network:inbound:8080', true],
  ['network:inbound:8080', 'network:inbound:*', false],
  ['network:inbound:*', 'network:outbound:*:8080', false],
  ['network:outbound:*:*', 'network:inbound:8080', false],
  ['network:dns', 'network:dns', true],
  ['network:outbound:*:*', 'network:dns', false],
  ['network:*', 'network:dns', true],
  ['network:*', 'network:outbound:*:*', true],
  // http: scheme sets and per-scheme default ports
  ['http:outbound:https://*.acme.com', 'http:outbound:https://api.acme.com', true],
  ['http:outbound:https://*.acme.com', 'http:outbound:https://api.acme.com:443', true],
  ['http:outbound:https://*.acme.com', 'http:outbound:http://api.acme.com', false],
  ['http:outbound:https://*.acme.com', 'http:outbound:https://api.acme.com:8443', false],
  ['http:outbound:https://*.acme.com', 'http:outbound:https://acme.com', false],
  ['http:outbound:*://api.acme.com', 'http:outbound:http://api.acme.com', true],
  ['http:outbound:*://api.acme.com', 'http:outbound:https://api.acme.com', true],
  ['http:outbound:*://api.acme.com', 'http:outbound:*://api.acme.com', true],
  ['http:outbound:*://api.acme.com', 'http:outbound:http://api.acme.com:443', false],
  ['http:outbound:https://api.acme.com', 'http:outbound:*://api.acme.com', false],
  ['http:outbound:https://api.acme.com:*', 'http:outbound:https://api.acme.com:8443', true],
  ['http:outbound:*://*:*', 'http:outbound:http://x.io:8080', true],
  ['http:outbound:https://*', 'http:outbound:https://10.0.0.1', true],
  ['http:outbound:http://*:8000-8999', 'http:outbound:*://a.io:8080', false],
  ['http:inbound', 'http:inbound', true],
  ['http:*', 'http:outbound:https://x.io', true],
  ['http:outbound:*://*:*', 'http:inbound', false],
  // different kinds never grant each other
  ['network:outbound:*:443', 'http:outbound:https://api.acme.com', false],
  ['http:outbound:*://*:*', 'network:outbound:*:443', false],
  ['filesystem:read:/', 'env:A', false],
  // env globs in both directions
  ['env:APP_*', 'env:APP_DEBUG', true],
  ['env:APP_*', 'env:APP_X*', true],
  ['env:APP_*', 'env:APP_', true],
  ['env:APP_*', 'env:*', false],
  ['env:APP_*', 'env:APPX', false],
  ['env:APP_*', 'env:APP?', false],
  ['env:APP_?', 'env:APP_X', true],
  ['env:APP_?', 'env:APP_XY', false],
  ['env:APP_?', 'env:APP_*', false],
  ['env:*', 'env:*', true],
  ['env:*', 'env:A?', true],
  ['env:A*?', 'env:A?*', true],
  ['env:*_TOKEN', 'env:GITHUB_TOKEN', true],
  ['env:app_debug', 'env:APP_DEBUG', false],
  ['env:APP_DEBUG', 'env:APP_DEBUG', true],
  // one-action kinds
  ['stdio:*', 'stdio:stderr', true],
  ['stdio:stdout', 'stdio:stderr', false],
  ['stdio:stdout', 'stdio:stdout', true],
  ['clock:*', 'clock:wall', true],
  ['clock:monotonic', 'clock:wall', false],
  ['random:secure', 'random:insecure', false],
  ['random:*', 'random:insecure', true],
  ['terminal', 'terminal', true],
  ['exit', 'terminal', false],
  ['exit', 'exit', true],
  // nn and import name globs
  ['nn:*', 'nn:onnx', true],
  ['nn:onnx', 'nn:openvino', false],
  ['nn:onnx', 'nn:ONNX', true],
  ['import:acme:*', 'import:acme:kv/store', true],
  ['import:acme:*', 'import:acmex:kv/store', false],
  ['import:acme:kv/store', 'import:acme:kv/store', true],
  ['import:acme:kv/store', 'import:acme:kv/store@1.0.0', true],
  ['import:acme:kv/store@1.0.0', 'import:acme:kv/store', false],
  ['import:acme:kv/store@1.*', 'import:acme:kv/store@1.2.0', true],
  ['import:acme:kv/store@1.*', 'import:acme:kv/store@2.0.0', false],
  ['import:acme:kv/store', 'import:acme:kv/stores', false],
  ['import:wasi:*', 'import:acme:kv/store', false],
  ['import:*', 'import:wasi:keyvalue/store@0.2.0-draft', true],
];

void describe('grants (containment)', () => {
  for (const [pattern, cap, expected] of GRANTS) {
    void test(`${pattern} ${expected ? 'grants' : 'does not grant'} ${cap}`, () => {
      assert.equal(grants(parseCapabilityPattern(pattern), parseCapability(cap)), expected);
    });
  }
});

// [pattern, declared capability, overlapping?]
const OVERLAPS: [string, string, boolean][] = [
  ['network:inbound:*', 'network:inbound:8080', true],
  ['network:inbound:8080', 'network:inbound:*', true],
  ['network:inbound:80', 'network:inbound:8080', false],
  ['env:SECRET_*', 'env:*', true],
  ['env:SECRET_*', 'env:APP_*', false],
  ['env:*_KEY', 'env:APP_*', true],
  ['env:SECRET', 'env:SECRET', true],
  ['env:SECRET', 'env:SECRETS', false],
  ['env:A?', 'env:?B', true],
  ['filesystem:read:/var/**', 'filesystem:read:/var/data', true],
  ['filesystem:read:/var/data/secret/**', 'filesystem:read:/var/data', true],
  ['filesystem:read:/var/data/secret/**', 'filesystem:read:/var/database', false],
  ['filesystem:read:/var/data/secret/**', 'filesystem:read:/', true],
  ['filesystem:read:/etc/**', 'filesystem:read:/var', false],
  ['filesystem:read:/home/*/data', 'filesystem:read:/home/alice', true],
  ['filesystem:read:/home/*/data', 'filesystem:read:/home/alice/data/x', false],
  ['filesystem:read:/home/*/.ssh/**', 'filesystem:read:/home', true],
  // a denied write leaves reads alone; a denied read hits a declared write
  ['filesystem:write:/etc/**', 'filesystem:read:/etc', false],
  ['filesystem:read:/etc/**', 'filesystem:write:/etc', true],
  ['filesystem:write:/etc', 'filesystem:write:/', true],
  ['filesystem:*:/etc', 'filesystem:read:/etc/hosts', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:*:443', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:10.1.0.0/16:22', true],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:11.0.0.0/8:22', false],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:internal.corp:22', false],
  ['network:outbound:10.0.0.0/8:*', 'network:outbound:[::ffff:10.0.0.5]:22', true],
  ['network:outbound:[fd00::/8]:*', 'network:outbound:[fd00::1]:22', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:*.x.acme.com:443', true],
  ['network:outbound:*.x.acme.com:443', 'network:outbound:*.acme.com:443', true],
  ['network:outbound:*.acme.com:443', 'network:outbound:acme.com:443', false],
  ['network:outbound:a.acme.com:443', 'network:outbound:*.acme.com:443', true],
  ['network:outbound:a.acme.com:443', 'network:outbound:b.acme.com:443', false],
  ['network:outbound:*.acme.com:443', 'network:outbound:*.acme.org:443', false],
  ['network:outbound:*:8000-8999', 'network:outbound:*:8999-9100', true],
  ['network:outbound:*:8000-8999', 'network:outbound:*:9000', false],
  ['network:dns', 'network:outbound:*:53', false],
  ['network:*', 'network:dns', true],
  ['network:*', 'network:inbound:22', true],
  ['http:outbound:http://*', 'http:outbound:*://api.acme.com', true],
  ['http:outbound:http://*', 'http:outbound:https://api.acme.com', false],
  ['http:outbound:https://*:8443', 'http:outbound:*://x.io', false],
  ['http:outbound:https://*:443-8443', 'http:outbound:*://x.io:8000', true],
  ['http:inbound', 'http:outbound:https://x.io', false],
  ['http:*', 'http:inbound', true],
  ['stdio:*', 'stdio:stdin', true],
  ['stdio:stdout', 'stdio:stdin', false],
  ['clock:wall', 'clock:wall', true],
  ['terminal', 'terminal', true],
  ['import:acme:kv/store@2.*', 'import:acme:kv/store', true],
  ['import:acme:kv/store@2.*', 'import:acme:kv/store@1.0.0', false],
  ['nn:*', 'nn:onnx', true],
  ['nn:openvino', 'nn:onnx', false],
  ['network:inbound:*', 'http:inbound', false],
  ['env:*', 'stdio:stdin', false],
];

void describe('overlaps (intersection)', () => {
  for (const [pattern, cap, expected] of OVERLAPS) {
    void test(`${pattern} ${expected ? 'overlaps' : 'does not overlap'} ${cap}`, () => {
      assert.equal(overlaps(parseCapabilityPattern(pattern), parseCapability(cap)), expected);
    });
  }

  void test('whatever a pattern grants it also overlaps (except write-allows-read)', () => {
    for (const [pattern, cap, granted] of GRANTS) {
      // A denied write denies writing only, so it does not touch a declared read.
      if (!granted || (pattern.startsWith('filesystem:write:') && cap.startsWith('filesystem:read:'))) continue;
      assert.ok(overlaps(parseCapabilityPattern(pattern), parseCapability(cap)), `${pattern} / ${cap}`);
    }
  });
});

void describe('glob engine', () => {
  const contains: [outer: string, inner: string, expected: boolean][] = [
    ['*', '', true],
    ['?*', '*?', true],
    ['*?', '?*', true],
    ['*a*', '*a*a*', true],
    ['*a*a*', '*a*', false],
    ['a*', 'a', true],
    ['a?', 'a*', false],
    ['', '', true],
    ['', 'a', false],
  ];
  for (const [outer, inner, expected] of contains) {
    void test(`star glob ${JSON.stringify(outer)} ${expected ? '⊇' : '⊉'} ${JSON.stringify(inner)}`, () => {
      assert.equal(starGlobContains(outer, inner), expected);
    });
  }

  const intersects: [a: string, b: string, expected: boolean][] = [
    ['a*', '*b', true],
    ['a?', '?b', true],
    ['abc', 'abd', false],
    ['a*c', 'b*', false],
    ['*x*', '*y*', true],
    ['??', '???', false],
    ['', '*', true],
  ];
  for (const [a, b, expected] of intersects) {
    void test(`star glob ${JSON.stringify(a)} ${expected ? '∩' : 'disjoint from'} ${JSON.stringify(b)}`, () => {
      assert.equal(starGlobIntersects(a, b), expected);
    });
  }

  void test('segment globs: ** absorbs only whole segments', () => {
    assert.equal(segmentGlobContains(['a', '**'], ['a', 'b', '**']), true);
    assert.equal(segmentGlobContains(['a', '*'], ['a', 'b', '**']), false);
    assert.equal(segmentGlobContains(['**', '*'], ['*', '**']), true);
    assert.equal(segmentGlobIntersects(['a', '*', 'c'], ['a', 'b', '**']), true);
    assert.equal(segmentGlobIntersects(['a', '*'], ['a', 'b', 'c']), false);
  });

  // Exhaustive check against brute force on a small alphabet: containment is
  // sound (never claims a subset that is not one) and intersection is exact.
  // Words up to 6 letters suffice: a shared word of two 3-token globs needs at most 6.
  void test('star globs agree with brute force (tokens a b * ?, up to 3 each)', () => {
    const patterns = strings(['a', 'b', '*', '?'], 3);
    const words = strings(['a', 'b'], 6);
    const lang = new Map(patterns.map((p) => [p, new Set(words.filter((w) => globRegExp(p).test(w)))]));
    for (const outer of patterns) {
      for (const inner of patterns) {
        const lo = lang.get(outer) ?? new Set<string>();
        const li = [...(lang.get(inner) ?? [])];
        if (starGlobContains(outer, inner)) assert.ok(li.every((w) => lo.has(w)), `${outer} ⊇ ${inner} is wrong`);
        assert.equal(starGlobIntersects(outer, inner), li.some((w) => lo.has(w)), `${outer} ∩ ${inner}`);
      }
    }
  });

  void test('long adversarial globs stay fast (no exponential blow-up)', () => {
    const a = '*a'.repeat(500);
    const b = 'a*'.repeat(500);
    const started = Date.now();
    assert.equal(starGlobContains(a, b + 'b'), false);
    assert.equal(starGlobIntersects(a, b), true);
    assert.equal(starGlobIntersects(a, b + 'b'), false);
    const segs = Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? '**' : 'x*'));
    assert.equal(segmentGlobContains(segs, [...segs, 'y']), false);
    assert.ok(Date.now() - started < 2000, 'glob decisions should be polynomial');
  });

  void test('a 1024-character capability is accepted and decided quickly', () => {
    const name = 'A'.repeat(1020);
    const cap = parseCapability(`env:${name}`);
    assert.equal(grants(parseCapabilityPattern('env:A*A*A*A'), cap), true);
  });
});

void describe('WASI table', () => {
  // [name, direction, satisfied by, not satisfied by, suggested]
  const rows: [string, 'import' | 'export', string[], string[], string | undefined][] = [
    [
      'wasi:filesystem/types@0.2.3',
      'import',
      ['filesystem:read:/x', 'filesystem:write:/'],
      ['env:A', 'import:wasi:filesystem/types'],
      'filesystem:read:/data',
    ],
    ['wasi:filesystem/preopens', 'import', ['filesystem:read:/data'], ['network:dns'], 'filesystem:read:/data'],
    ['wasi:sockets/ip-name-lookup@0.2.3', 'import', ['network:dns'], ['network:outbound:443'], 'network:dns'],
    [
      'wasi:sockets/tcp@0.2.3',
      'import',
      ['network:outbound:*:443', 'network:inbound:8080', 'network:outbound:10.0.0.0/8:*'],
      ['network:dns', 'http:inbound'],
      'network:outbound:*:443',
    ],
    ['wasi:sockets/udp', 'import', ['network:outbound:a.io:53'], ['network:dns'], 'network:outbound:*:443'],
    ['wasi:sockets/tcp-create-socket', 'import', ['network:inbound:*'], ['exit'], 'network:outbound:*:443'],
    ['wasi:sockets/udp-create-socket', 'import', ['network:outbound:1'], ['exit'], 'network:outbound:*:443'],
    ['wasi:sockets/network@0.2.3', 'import', ['network:dns', 'network:outbound:443'], ['http:inbound'], undefined],
    ['wasi:sockets/instance-network', 'import', ['network:inbound:80'], ['env:X'], undefined],
    [
      'wasi:http/outgoing-handler@0.2.3',
      'import',
      ['http:outbound:https://api.acme.com', 'http:outbound:*://*:*'],
      ['http:inbound', 'network:outbound:443'],
      'http:outbound:https://*',
    ],
    ['wasi:http/types@0.2.3', 'import', ['http:inbound', 'http:outbound:http://a.io'], ['network:outbound:80'], undefined],
    ['wasi:http/incoming-handler@0.2.3', 'export', ['http:inbound'], ['http:outbound:https://a.io'], 'http:inbound'],
    ['wasi:cli/environment@0.2.3', 'import', ['env:APP_X', 'env:*'], ['stdio:stdin'], 'env:APP_*'],
    ['wasi:cli/stdin@0.2.3', 'import', ['stdio:stdin'], ['stdio:stdout', 'terminal'], 'stdio:stdin'],
    ['wasi:cli/stdout@0.2.3', 'import', ['stdio:stdout'], ['stdio:stderr'], 'stdio:stdout'],
    ['wasi:cli/stderr@0.2.3', 'import', ['stdio:stderr'], ['stdio:stdout'], 'stdio:stderr'],
    ['wasi:cli/terminal-input@0.2.3', 'import', ['terminal'], ['stdio:stdin'], 'terminal'],
    ['wasi:cli/terminal-output', 'import', ['terminal'], ['exit'], 'terminal'],
    ['wasi:cli/terminal-stdin', 'import', ['terminal'], ['exit'], 'terminal'],
    ['wasi:cli/terminal-stdout', 'import', ['terminal'], ['exit'], 'terminal'],
    ['wasi:cli/terminal-stderr', 'import', ['terminal'], ['exit'], 'terminal'],
    ['wasi:cli/exit@0.2.3', 'import', ['exit'], ['terminal'], 'exit'],
    ['wasi:clocks/wall-clock@0.2.3', 'import', ['clock:wall'], ['clock:monotonic'], 'clock:wall'],
    ['wasi:clocks/timezone@0.2.3', 'import', ['clock:wall'], ['clock:monotonic'], 'clock:wall'],
    ['wasi:clocks/monotonic-clock@0.2.3', 'import', ['clock:monotonic'], ['clock:wall'], 'clock:monotonic'],
    ['wasi:random/random@0.2.3', 'import', ['random:secure'], ['random:insecure'], 'random:secure'],
    ['wasi:random/insecure@0.2.3', 'import', ['random:insecure'], ['random:secure'], 'random:insecure'],
    ['wasi:random/insecure-seed@0.2.3', 'import', ['random:insecure'], ['random:secure'], 'random:insecure'],
    ['wasi:nn/graph', 'import', ['nn:onnx', 'nn:openvino'], ['import:wasi:nn/graph'], 'nn:onnx'],
    ['wasi:nn/inference@0.2.0-rc-2024-10-28', 'import', ['nn:ggml'], ['random:secure'], 'nn:onnx'],
    [
      'acme:kv/store@1.0.0',
      'import',
      ['import:acme:kv/store', 'import:acme:kv/store@1.0.0', 'import:acme:kv/store@1', 'import:acme:kv/store@1.0'],
      ['import:acme:kv/store@2.0.0', 'import:acme:kv/store@1.0.01', 'import:acme:kv/storex', 'import:acme:kv/other'],
      'import:acme:kv/store',
    ],
    ['acme:kv/store', 'import', ['import:acme:kv/store', 'import:acme:kv/store@3.1.0'], ['import:acme:kv/stor'], 'import:acme:kv/store'],
    [
      'wasi:keyvalue/store@0.2.0-draft',
      'import',
      ['import:wasi:keyvalue/store', 'import:wasi:keyvalue/store@0.2.0-draft'],
      ['import:wasi:keyvalue/store@0.1.0'],
      'import:wasi:keyvalue/store',
    ],
    [
      'wasi:http/incoming-handler@0.2.3',
      'import',
      ['import:wasi:http/incoming-handler'],
      ['http:inbound'],
      'import:wasi:http/incoming-handler',
    ],
    // unknown spellings of WASI names are not free: they need an import capability
    [
      'WASI:filesystem/types@0.2.3',
      'import',
      ['import:WASI:filesystem/types'],
      ['filesystem:read:/', 'import:wasi:filesystem/types'],
      'import:WASI:filesystem/types',
    ],
    ['acme:KV/store', 'import', ['import:acme:KV/store'], ['import:acme:kv/store'], 'import:acme:KV/store'],
  ];
  for (const [name, direction, yes, no, suggested] of rows) {
    void test(`${direction} ${name}`, () => {
      const req = requirementFor(name, direction);
      assert.ok(req !== null, `${name} should need a capability`);
      assert.equal(req.interface, name.split('@')[0]);
      assert.ok(req.description.length > 0);
      assert.equal(req.suggested, suggested);
      for (const cap of yes) assert.equal(req.satisfiedBy(parseCapability(cap)), true, `${cap} should satisfy ${name}`);
      for (const cap of no) assert.equal(req.satisfiedBy(parseCapability(cap)), false, `${cap} should not satisfy ${name}`);
      if (suggested !== undefined) assert.equal(req.satisfiedBy(parseCapability(suggested)), true, 'the suggestion satisfies its own row');
    });
  }

  const none: [string, 'import' | 'export'][] = [
    ['wasi:io/streams@0.2.3', 'import'],
    ['wasi:io/poll', 'import'],
    ['wasi:io/error@0.2.3', 'import'],
    ['run', 'export'],
    ['log', 'import'],
    ['wasi:cli/run@0.2.3', 'export'],
    ['wasi:http/outgoing-handler@0.2.3', 'export'],
    ['acme:app/api@1.0.0', 'export'],
    ['[method]counter.increment', 'import'],
    ['[constructor]counter', 'import'],
  ];
  for (const [name, direction] of none) {
    void test(`${direction} ${name} needs nothing`, () => {
      assert.equal(requirementFor(name, direction), null);
    });
  }

  void test('narrowing hints accompany the broad suggestions', () => {
    for (const name of ['wasi:filesystem/types', 'wasi:sockets/tcp', 'wasi:http/outgoing-handler', 'wasi:cli/environment']) {
      const narrow = requirementFor(name, 'import')?.narrow;
      assert.ok(narrow !== undefined && narrow.length > 0, name);
    }
  });

  void test('every row parses: its patterns as policy patterns, its suggestion as a declared capability', () => {
    for (const row of WASI_CAPABILITY_TABLE) {
      for (const pattern of row.satisfiedBy) assert.doesNotThrow(() => parseCapabilityPattern(pattern), pattern);
      if (row.suggested !== undefined) assert.equal(parseCapability(row.suggested).text, row.suggested);
    }
  });

  void test('every capability kind is reachable from some row', () => {
    const kinds = new Set(WASI_CAPABILITY_TABLE.flatMap((row) => row.satisfiedBy.map((p) => parseCapabilityPattern(p).kind)));
    kinds.add('import'); // the fallback row for any other interface
    assert.deepEqual([...kinds].sort(), [...capabilityKinds].sort());
  });
});

void describe('describeCapability', () => {
  const cases: [string, string][] = [
    ['filesystem:read:/var/data', 'read files under /var/data'],
    ['filesystem:write:/tmp', 'read and write files under /tmp'],
    ['network:outbound:443', 'connect to * on port 443'],
    ['network:inbound:8080', 'listen on port 8080'],
    ['http:outbound:https://api.acme.com', 'send HTTP requests to https://api.acme.com'],
    ['env:APP_*', 'read environment variables matching APP_*'],
    ['stdio:stderr', 'write standard error'],
    ['import:acme:kv/store', 'use the host interface acme:kv/store'],
  ];
  for (const [text, expected] of cases) {
    void test(text, () => {
      assert.equal(describeCapability(parseCapability(text)), expected);
    });
  }
});
