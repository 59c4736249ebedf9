/**
 * How a certificate identity is matched. sigstore-js treats its identity
 * options as UNANCHORED regular expressions, so `https://github.com/acme/`
 * would match any workflow of any repository under it. wpack never hands it
 * an identity policy: it compares exactly, by anchored glob, or by a regular
 * expression it anchors itself.
 */
export type IdentityMatcher =
  | { kind: 'exact'; value: string }
  | { kind: 'glob'; pattern: string }
  | { kind: 'regexp'; source: string };

export function matchIdentity(matcher: IdentityMatcher, value: string): boolean {
  switch (matcher.kind) {
    case 'exact':
      return value === matcher.value;
    case 'glob':
      return globToRegExp(matcher.pattern).test(value);
    case 'regexp':
      return new RegExp(`^(?:${matcher.source})$`, 'u').test(value);
  }
}

export function describeMatcher(m: IdentityMatcher): string {
  return m.kind === 'exact' ? m.value : m.kind === 'glob' ? `${m.pattern} (glob)` : `/^(?:${m.source})$/`;
}

/** `*` matches any run of characters, everything else literally; anchored both ends. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'su');
}
