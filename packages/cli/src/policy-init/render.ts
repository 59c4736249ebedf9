/**
 * The text `wpack policy init` writes: a host policy (DESIGN §6,
 * schemas/policy.schema.json) as JSON with comments, each field explained
 * where it stands. parsePolicyText reads the comments back.
 */
import { POLICY_SCHEMA_ID, type PolicySigner } from '@wpack/verifier';

/** A value of a list with the `//` comment written beside it. */
export interface Noted {
  value: string;
  note?: string;
}

export interface PolicyDraft {
  /** Where the draft comes from (`acme:app@1.2.0 (sha256:…)`), for the heading. */
  from?: string;
  scopes: string[];
  worlds: string[];
  provides: Noted[];
  signers: PolicySigner[];
  transparencyLog: 'required' | 'optional';
  trustedRoot?: string;
  /** The comment above `allow`. */
  allowHeading: string;
  allow: Noted[];
  /** Capabilities left out of `allow`, listed in comments with what to narrow. */
  narrow: { cap: string; note: string }[];
  maxComponentBytes: number;
}

const q = (s: string): string => JSON.stringify(s);

export function renderPolicy(p: PolicyDraft): string {
  const lines = [
    '// wpack host policy: what this host accepts before it runs a component.',
    '// Checked by `wpack verify <bundle|ref> --policy <this file>`. Deny by default; deny wins over allow.',
    ...(p.from !== undefined ? [`// Drafted from the bundle ${p.from}: review every entry before a host relies on it.`] : []),
    '// Paths are relative to this file. Format: ' + POLICY_SCHEMA_ID,
    '{',
    `  "$schema": ${q(POLICY_SCHEMA_ID)},`,
    '  "version": 1,',
    '  // enforce: a failed check exits 1. warn: report everything but exit 0 (to roll a policy out).',
    '  "mode": "enforce",',
    '  // Registry repositories this policy is for; a reference outside them is denied. Local files are not scoped.',
    ...(p.scopes.length > 0 ? [`  "scopes": ${list(p.scopes.map((s) => ({ value: q(s) })), '  ')},`] : ['  // "scopes": ["ghcr.io/acme/*"],']),
    '  "host": {',
    '    // Worlds the host implements. A component may import anything they import, and must export what one of them calls.',
    `    "worlds": ${list(p.worlds.map((w) => ({ value: q(w) })), '    ')},`,
    '    // Interfaces the host provides beyond its worlds, and WIT files defining them (one `package ns:name@version;` each).',
    `    "provides": ${list(p.provides.map((x) => ({ ...x, value: q(x.value) })), '    ')},`,
    '    "wit": []',
    '  },',
    '  "signatures": {',
    '    // Distinct trusted signers required (one key or identity counts once).',
    '    "minimum": 1,',
    '    // A key: { "key": "keys/release.pub" }. Keyless: { "keyless": { "issuer": "https://token.actions.githubusercontent.com",',
    '    //   "subject": "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*" } } (exact, or a glob with *;',
    '    //   "subjectRegExp" for an anchored regular expression).',
    `    "signers": ${list(p.signers.map((s) => ({ value: signerText(s) })), '    ')},`,
    ...(p.transparencyLog === 'required'
      ? ['    // Keyless signatures must carry a transparency-log entry. "optional" to accept them without.']
      : ['    // The bundle\'s keyless signature carries no transparency-log entry; "required" would deny it.']),
    `    "transparencyLog": ${q(p.transparencyLog)}${p.trustedRoot !== undefined ? ',' : ''}`,
    ...(p.trustedRoot !== undefined
      ? ['    // Keyless signatures are checked offline against this Sigstore trusted root, not the public-good one.', `    "trustedRoot": ${q(p.trustedRoot)}`]
      : ['    // "trustedRoot": "trusted_root.json"  (keyless, offline; default: the Sigstore public-good root shipped with wpack)']),
    '  },',
    '  "capabilities": {',
    `    // ${p.allowHeading}`,
    `    "allow": ${list(p.allow.map((x) => ({ ...x, value: q(x.value) })), '    ')},`,
    ...(p.narrow.length > 0
      ? ['    // Also possible in these worlds; add them to "allow" narrowed to what the host really grants:', ...p.narrow.map((n) => `    //   ${q(n.cap)}  — ${n.note}`)]
      : []),
    '    "deny": []',
    '  },',
    '  "limits": {',
    `    "maxComponentBytes": ${String(p.maxComponentBytes)}`,
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

/** A JSON array, one item a line; an item's note is a `//` comment after its comma. */
function list(items: Noted[], indent: string): string {
  if (items.length === 0) return '[]';
  const last = items.length - 1;
  const rows = items.map((item, i) => `${indent}  ${item.value}${i < last ? ',' : ''}${item.note !== undefined ? `  // ${item.note}` : ''}`);
  return `[\n${rows.join('\n')}\n${indent}]`;
}

function signerText(s: PolicySigner): string {
  if ('key' in s) return `{ "key": ${q(s.key)} }`;
  const { issuer, subject, subjectRegExp } = s.keyless;
  const match = subject !== undefined ? `"subject": ${q(subject)}` : `"subjectRegExp": ${q(subjectRegExp ?? '')}`;
  return `{ "keyless": { "issuer": ${q(issuer)}, ${match} } }`;
}
