import { access } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { ManifestError, requirementFor } from '@wpack/manifest';
import { loadHostProfiles, parsePolicyText, POLICY_SCHEMA_ID, PolicyValidationError, resolveHostWorld, validatePolicyDocument, VerifierError } from '@wpack/verifier';
import { WpackCommand } from '../../base-command.js';

export interface PolicyInitResult {
  path: string;
  worlds: string[];
  allow: string[];
}

export default class PolicyInit extends WpackCommand {
  static override summary = 'Write a commented starting host policy for the worlds a host implements.';
  static override description =
    'The policy allows the capabilities every component of the world needs without narrowing (clocks, random, stdio, ' +
    'serving HTTP) and shows the ones to narrow (files, hosts, variables) as comments. Name the signers with --key or ' +
    '--keyless-issuer/--keyless-subject; edit the rest by hand. The file is JSON with comments, checked by `wpack verify --policy`.';
  static override examples = [
    '<%= config.bin %> policy init --world wasi:http/proxy@0.2.3 --key release.pub',
    '<%= config.bin %> policy init --world wasi:cli/command@0.2.3 --keyless-issuer https://token.actions.githubusercontent.com \\\n    --keyless-subject "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*" -o host-policy.json',
  ];
  static override flags = {
    world: Flags.string({ description: 'a world the host implements, e.g. wasi:http/proxy@0.2.3; repeatable', multiple: true, required: true }),
    provides: Flags.string({ description: 'an interface the host provides beyond its worlds, e.g. acme:kv/store@1.0.0; repeatable', multiple: true }),
    key: Flags.string({ description: 'a trusted public key file (path as written into the policy); repeatable', multiple: true }),
    'keyless-issuer': Flags.string({ description: 'OIDC issuer of a trusted keyless signer', dependsOn: ['keyless-subject'] }),
    'keyless-subject': Flags.string({ description: 'its certificate identity (exact, or a glob with *)', dependsOn: ['keyless-issuer'] }),
    output: Flags.string({ char: 'o', description: 'where to write it', default: 'policy.json' }),
    force: Flags.boolean({ description: 'overwrite an existing file' }),
  };

  async run(): Promise<PolicyInitResult> {
    const { flags } = await this.parse(PolicyInit);
    if ((flags.key ?? []).length === 0 && flags['keyless-issuer'] === undefined) {
      // Deny by default: a policy without a signer could never pass anything.
      throw new VerifierError('SIGNER_REQUIRED', 'name at least one signer: --key <key.pub>, or --keyless-issuer with --keyless-subject');
    }
    const profiles = await loadHostProfiles();
    const allow: string[] = [];
    const narrow: { cap: string; note: string }[] = [];
    for (const w of flags.world) {
      const world = await resolveHostWorld(w);
      if (typeof world === 'string') throw new VerifierError('UNKNOWN_WORLD', `--world ${w}: ${world}`);
      const { name: base, version } = world;
      const profile = profiles.worlds[base];
      if (profile === undefined) throw new VerifierError('UNKNOWN_WORLD', `--world ${w}: no profile for ${base}`);
      const externs = [...profile.imports.map((n) => ({ n, d: 'import' as const })), ...profile.exports.map((n) => ({ n, d: 'export' as const }))];
      for (const { n, d } of externs) {
        const req = requirementFor(`${n}@${version}`, d);
        if (req?.suggested === undefined) continue;
        if (req.narrow !== undefined) {
          if (!narrow.some((x) => x.cap === req.suggested)) narrow.push({ cap: req.suggested, note: req.narrow });
        } else if (!allow.includes(req.suggested)) allow.push(req.suggested);
      }
    }
    const signers = [
      ...(flags.key ?? []).map((k) => `{ "key": ${JSON.stringify(k)} }`),
      ...(flags['keyless-issuer'] !== undefined && flags['keyless-subject'] !== undefined
        ? [`{ "keyless": { "issuer": ${JSON.stringify(flags['keyless-issuer'])}, "subject": ${JSON.stringify(flags['keyless-subject'])} } }`]
        : []),
    ];
    const text = render({ worlds: flags.world, provides: flags.provides ?? [], signers, allow, narrow });

    // What is written must load: check it before it reaches the disk.
    const problems = validatePolicyDocument(await parsePolicyText(text, 'the generated policy'));
    if (problems.length > 0) throw new PolicyValidationError('the generated policy', problems);

    const out = resolve(flags.output);
    if (!flags.force && (await access(out).then(() => true, () => false))) {
      throw new ManifestError('TARGET_EXISTS', `${out} already exists (use --force to overwrite it)`);
    }
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(out, text);
    this.log(`wrote ${relative(process.cwd(), out) || out} for ${flags.world.join(', ')}: ${String(allow.length)} capabilities allowed, ${String(narrow.length)} to narrow in comments`);
    return { path: out, worlds: flags.world, allow };
  }
}

function render(p: { worlds: string[]; provides: string[]; signers: string[]; allow: string[]; narrow: { cap: string; note: string }[] }): string {
  const list = (items: string[], indent: string): string => (items.length === 0 ? '[]' : `[\n${items.map((i) => `${indent}  ${i}`).join(',\n')}\n${indent}]`);
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    '// wpack host policy: what this host accepts before it runs a component.',
    '// Checked by `wpack verify <bundle|ref> --policy <this file>`. Deny by default; deny wins over allow.',
    '// Paths are relative to this file. Format: ' + POLICY_SCHEMA_ID,
    '{',
    `  "$schema": ${q(POLICY_SCHEMA_ID)},`,
    '  "version": 1,',
    '  // enforce: a failed check exits 1. warn: report everything but exit 0 (to roll a policy out).',
    '  "mode": "enforce",',
    '  // Registry repositories this policy is for; a reference outside them is denied. Local files are not scoped.',
    '  // "scopes": ["ghcr.io/acme/*"],',
    '  "host": {',
    '    // Worlds the host implements. A component may import anything they import, and must export what one of them calls.',
    `    "worlds": ${list(p.worlds.map(q), '    ')},`,
    '    // Interfaces the host provides beyond its worlds, and WIT files defining them (one `package ns:name@version;` each).',
    `    "provides": ${list(p.provides.map(q), '    ')},`,
    '    "wit": []',
    '  },',
    '  "signatures": {',
    '    // Distinct trusted signers required (one key or identity counts once).',
    '    "minimum": 1,',
    '    // A key: { "key": "keys/release.pub" }. Keyless: { "keyless": { "issuer": "https://token.actions.githubusercontent.com",',
    '    //   "subject": "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*" } } (exact, or a glob with *;',
    '    //   "subjectRegExp" for an anchored regular expression).',
    `    "signers": ${list(p.signers, '    ')},`,
    '    // Keyless signatures must carry a transparency-log entry. "optional" to accept them without.',
    '    "transparencyLog": "required"',
    '    // "trustedRoot": "trusted_root.json"  (keyless, offline; default: the Sigstore public-good root shipped with wpack)',
    '  },',
    '  "capabilities": {',
    '    // What every component of these worlds may need without narrowing:',
    `    "allow": ${list(p.allow.map(q), '    ')},`,
    ...(p.narrow.length > 0
      ? ['    // Also possible in these worlds; add them to "allow" narrowed to what the host really grants:', ...p.narrow.map((n) => `    //   ${q(n.cap)}  — ${n.note}`)]
      : []),
    '    "deny": []',
    '  },',
    '  "limits": {',
    '    "maxComponentBytes": 52428800',
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}
