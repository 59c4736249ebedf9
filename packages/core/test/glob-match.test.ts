// Matching a literal string is containment of a glob without wildcards: the
// two matchers the gate uses for signer identities and registry scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatches, pathGlobMatches } from '../src/index.js';

void test('string globs: * is any run of characters (slashes too), ? exactly one, anchored at both ends', () => {
  const subject = 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0';
  assert.equal(globMatches('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*', subject), true);
  assert.equal(globMatches('https://github.com/acme/*', subject), true);
  assert.equal(globMatches('https://github.com/acme/', subject), false, 'no prefix match: anchored');
  assert.equal(globMatches('*/release.yml', subject), false, 'anchored at the end too');
  assert.equal(globMatches('https://github.com/acme/ap?/*', subject), true);
  assert.equal(globMatches('https://github.com/acme/a?/*', subject), false);
  assert.equal(globMatches(subject, subject), true);
});

void test('path globs: * stays within a segment, ** crosses segments', () => {
  assert.equal(pathGlobMatches('ghcr.io/acme/*', 'ghcr.io/acme/app'), true);
  assert.equal(pathGlobMatches('ghcr.io/acme/*', 'ghcr.io/acme/team/app'), false);
  assert.equal(pathGlobMatches('ghcr.io/acme/**', 'ghcr.io/acme/team/app'), true);
  assert.equal(pathGlobMatches('ghcr.io/acme/**', 'ghcr.io/other/app'), false);
  assert.equal(pathGlobMatches('localhost:5000/gate/*', 'localhost:5000/gate/app'), true);
  assert.equal(pathGlobMatches('ghcr.io/acme/app-*', 'ghcr.io/acme/app-web'), true);
  assert.equal(pathGlobMatches('ghcr.io/acme/app-*', 'ghcr.io/acme/web'), false);
});
