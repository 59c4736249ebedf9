/**
 * How a certificate identity is matched. sigstore-js treats its identity
 * options as UNANCHORED regular expressions, so `https://github.com/acme/`
 * would match any workflow of any repository under it. wpack never hands it
 * an identity policy: it compares exactly, by glob (core's one glob engine:
 * `*` any run of characters, `?` one; the whole value), or by a regular
 * expression it anchors itself.
 */
import { globMatches } from '@wpack/core';

export type IdentityMatcher =
  | { kind: 'exact'; value: string }
  | { kind: 'glob'; pattern: string }
  | { kind: 'regexp'; source: string };

export function matchIdentity(matcher: IdentityMatcher, value: string): boolean {
  switch (matcher.kind) {
    case 'exact':
      return value === matcher.value;
    case 'glob':
      return globMatches(matcher.pattern, value);
    case 'regexp':
      return new RegExp(`^(?:${matcher.source})$`, 'u').test(value);
  }
}

export function describeMatcher(m: IdentityMatcher): string {
  return m.kind === 'exact' ? m.value : m.kind === 'glob' ? `${m.pattern} (glob)` : `/^(?:${m.source})$/`;
}
