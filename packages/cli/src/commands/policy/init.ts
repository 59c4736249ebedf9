import { access } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import * as Flags from '@oclif/core/flags';
import type { Interfaces } from '@oclif/core';
import type { ComponentInterface } from '@wpack/component';
import { COMPONENT_FILE, ManifestError, readBundle, requirementFor } from '@wpack/manifest';
import { loadTrustedRoot } from '@wpack/signatures';
import {
  loadHostProfiles,
  parsePolicyText,
  PolicyValidationError,
  resolveHostWorld,
  validatePolicyDocument,
  VerifierError,
  type HostWorld,
  type PolicySigner,
} from '@wpack/verifier';
import { WpackCommand } from '../../base-command.js';
import { readKeyFile } from '../../key-file.js';
import { repositoryOf, withLocalBundle } from '../../bundle-source.js';
import { keylessSigners, readSigners, unsignedByKeys } from '../../policy-init/bundle-signers.js';
import { hostNeeds, withVersion } from '../../policy-init/host-worlds.js';
import { renderPolicy, type Noted, type PolicyDraft } from '../../policy-init/render.js';
import { bundleDigestFlag, pullOptions, registryFlags } from '../../registry-flags.js';

export interface PolicyInitResult {
  path: string;
  /** As written: a world given without a version gets one. */
  worlds: string[];
  provides: string[];
  allow: string[];
  signers: PolicySigner[];
  /** With --from: the bundle the policy was drafted for. */
  from?: { source: string; name: string; version: string; digest: string };
  warnings?: string[];
}

type InitFlags = Interfaces.InferredFlags<typeof PolicyInit.flags>;

/** What one way of drafting hands to the writer. */
interface Drafted {
  draft: PolicyDraft;
  /** The output line after `wrote <file> `. */
  summary: string;
  from?: PolicyInitResult['from'];
  warnings: string[];
}

/** 50 MiB: a component above it is unusual enough for a host to decide on. */
const DEFAULT_MAX_COMPONENT_BYTES = 52_428_800;

export default class PolicyInit extends WpackCommand {
  static override summary = 'Write a commented starting host policy for the worlds a host implements, or for the bundle it should run.';
  static override description =
    'With --world: the policy allows the capabilities every component of the world needs without narrowing (clocks, random, ' +
    'stdio, serving HTTP) and shows the ones to narrow (files, hosts, variables) as comments. A world without a version is ' +
    'the newest 0.2.x wpack knows. Name the signers with --key or --keyless-issuer/--keyless-subject.\n\n' +
    'With --from <file.wpack|ref>: the policy that lets that bundle pass the gate: the worlds it needs at the versions it ' +
    'imports, the interfaces no world has in host.provides, exactly the capabilities it declares (globs and placeholders ' +
    'commented with what to narrow), and its signers. A keyless signer is read from its certificate; a key signature names ' +
    'only a hint of its key, so pass the public key with --key. Signer flags and --world replace what the bundle says.\n\n' +
    'Edit the rest by hand. The file is JSON with comments, checked by `wpack verify --policy`.';
  static override examples = [
    '<%= config.bin %> policy init --from app.wpack --key release.pub -o host-policy.json',
    '<%= config.bin %> policy init --from ghcr.io/acme/app:1.2.0 -o host-policy.json',
    '<%= config.bin %> policy init --world wasi:http/proxy@0.2.12 --key release.pub',
    '<%= config.bin %> policy init --world wasi:cli/command --keyless-issuer https://token.actions.githubusercontent.com \\\n    --keyless-subject "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v*" -o host-policy.json',
  ];
  static override flags = {
    ...registryFlags,
    ...bundleDigestFlag,
    from: Flags.string({ description: 'draft the policy a bundle needs: a .wpack file, or a registry reference', atLeastOne: ['world', 'from'] }),
    world: Flags.string({
      description: 'a world the host implements, e.g. wasi:http/proxy@0.2.12 (no version: the newest wpack knows); repeatable. With --from, instead of the worlds the bundle needs',
      multiple: true,
      atLeastOne: ['world', 'from'],
    }),
    provides: Flags.string({ description: 'an interface the host provides beyond its worlds, e.g. acme:kv/store@1.0.0; repeatable', multiple: true }),
    key: Flags.string({ description: 'a trusted public key file, as the policy names it (relative to the policy file); repeatable', multiple: true }),
    'keyless-issuer': Flags.string({ description: 'OIDC issuer of a trusted keyless signer', dependsOn: ['keyless-subject'] }),
    'keyless-subject': Flags.string({ description: 'its certificate identity (exact, or a glob with *)', dependsOn: ['keyless-issuer'] }),
    'trusted-root': Flags.string({
      description: 'Sigstore trusted_root.json to check keyless signers against (a private Sigstore instance), as the policy names it (relative to the policy file)',
    }),
    output: Flags.string({ char: 'o', description: 'where to write it', default: 'policy.json' }),
    force: Flags.boolean({ description: 'overwrite an existing file' }),
  };

  async run(): Promise<PolicyInitResult> {
    const { flags } = await this.parse(PolicyInit);
    const out = resolve(flags.output);
    const signers = explicitSigners(flags);
    if (flags.from === undefined && signers.length === 0) {
      // Deny by default: a policy without a signer could never pass anything.
      throw new VerifierError('SIGNER_REQUIRED', 'name at least one signer: --key <key.pub>, or --keyless-issuer with --keyless-subject');
    }
    // Refused before anything is pulled or read.
    if (!flags.force && (await access(out).then(() => true, () => false))) {
      throw new ManifestError('TARGET_EXISTS', `${flags.output} already exists (use --force to overwrite it)`);
    }
    if (flags['trusted-root'] !== undefined) await loadTrustedRoot(besidePolicy(flags['trusted-root'], out));
    const drafted = flags.from !== undefined ? await fromBundle(flags.from, signers, flags, out) : await fromWorlds(signers, flags);
    const text = renderPolicy(drafted.draft);

    // What is written must load: check it before it reaches the disk.
    const problems = validatePolicyDocument(await parsePolicyText(text, 'the generated policy'));
    if (problems.length > 0) throw new PolicyValidationError('the generated policy', problems);

    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(out, text);
    for (const w of drafted.warnings) this.logToStderr(`warning: ${w}`);
    this.log(`wrote ${flags.output} ${drafted.summary}`);
    const { draft } = drafted;
    return {
      path: out,
      worlds: draft.worlds,
      provides: draft.provides.map((p) => p.value),
      allow: draft.allow.map((a) => a.value),
      signers: draft.signers,
      ...(drafted.from !== undefined ? { from: drafted.from } : {}),
      ...(drafted.warnings.length > 0 ? { warnings: drafted.warnings } : {}),
    };
  }
}

/** The policy for the worlds given: what every component of them needs unnarrowed, the rest in comments. */
async function fromWorlds(signers: PolicySigner[], flags: InitFlags): Promise<Drafted> {
  const worlds = (flags.world ?? []).map((w) => withVersion(w));
  const profiles = await loadHostProfiles();
  const allow: string[] = [];
  const narrow: { cap: string; note: string }[] = [];
  for (const { name: base, version } of await hostWorlds(worlds, (_, i) => `--world ${String(flags.world?.[i])}`)) {
    const profile = profiles.worlds[base];
    if (profile === undefined) throw new VerifierError('UNKNOWN_WORLD', `--world ${base}@${version}: no profile for ${base}`);
    const externs = [...profile.imports.map((n) => ({ n, d: 'import' as const })), ...profile.exports.map((n) => ({ n, d: 'export' as const }))];
    for (const { n, d } of externs) {
      const req = requirementFor(`${n}@${version}`, d);
      if (req?.suggested === undefined) continue;
      if (req.narrow !== undefined) {
        if (!narrow.some((x) => x.cap === req.suggested)) narrow.push({ cap: req.suggested, note: req.narrow });
      } else if (!allow.includes(req.suggested)) allow.push(req.suggested);
    }
  }
  return {
    draft: {
      ...signatureFields(signers, 'required', flags),
      scopes: [],
      worlds,
      provides: (flags.provides ?? []).map((value) => ({ value })),
      allowHeading: 'What every component of these worlds may need without narrowing:',
      allow: allow.map((value) => ({ value })),
      narrow,
      maxComponentBytes: DEFAULT_MAX_COMPONENT_BYTES,
    },
    summary: `for ${worlds.join(', ')}: ${String(allow.length)} capabilities allowed, ${String(narrow.length)} to narrow in comments`,
    warnings: [],
  };
}

/** The policy under which one bundle passes the gate (DESIGN §7): its worlds, its declared capabilities, its signers. */
async function fromBundle(source: string, explicit: PolicySigner[], flags: InitFlags, out: string): Promise<Drafted> {
  // The keys are read before anything is pulled.
  const keys = await keyHints(flags.key ?? [], out);
  return withLocalBundle(source, pullOptions(flags), async (file, ociDigest) => {
    const contents = await readBundle(file);
    const m = contents.manifest;
    const found = await readSigners(contents.signatures);
    const warnings: string[] = [];
    if (flags['keyless-issuer'] === undefined) {
      const unsigned = unsignedByKeys(source, found, keys);
      if (unsigned !== undefined) warnings.push(unsigned);
    }
    const signers = explicit.length > 0 ? explicit : keylessSigners(source, found);
    const labels = [...keys.map((k) => `key ${k.hint}`), ...signers.flatMap((s) => ('keyless' in s ? [`${s.keyless.subject ?? s.keyless.subjectRegExp ?? ''} via ${s.keyless.issuer}`] : []))];
    const unlogged = explicit.length === 0 && found.identities.some((i) => !i.logged);

    const host = await hostNeeds(m.interface, m.world, flags.world ?? []);
    await hostWorlds(host.worlds, (w, i) => (flags.world !== undefined ? `--world ${String(flags.world[i])}` : `${w}, a world ${source} needs,`));
    const given = (flags.provides ?? []).filter((p) => !host.provides.includes(p));
    // No WIT is written for them: it must say what the host has, and the component's own would check nothing.
    const note = 'the component imports it and no WASI world has it: keep it only if the host really provides it; its WIT in "wit" lets the gate check the types';
    const provides: Noted[] = [
      ...host.provides.map((value) => ({ value, note })),
      ...given.map((value) => ({ value })),
    ];
    const component = m.files.find((f) => f.path === COMPONENT_FILE)?.size ?? 0;
    const name = `${m.name}@${m.version}`;
    const signedBy = warnings.length > 0 ? 'trusting' : 'signed by';
    return {
      draft: {
        ...signatureFields(signers, unlogged ? 'optional' : 'required', flags),
        from: `${name} (${contents.digest})`,
        scopes: ociDigest !== undefined ? [await repositoryOf(source)] : [],
        worlds: host.worlds,
        provides,
        allowHeading: `What ${name} declares (its wpack.json capabilities), so the gate grants it:`,
        allow: [...m.capabilities].sort().map((value) => ({ value, ...noteFor(value, m.interface) })),
        narrow: [],
        maxComponentBytes: Math.max(DEFAULT_MAX_COMPONENT_BYTES, component),
      },
      summary: `for ${name} (${host.worlds.join(', ') || provides.map((p) => p.value).join(', ')}): ${String(m.capabilities.length)} capabilities allowed, ${signedBy} ${labels.join(', ')}`,
      from: { source, name: m.name, version: m.version, digest: contents.digest },
      warnings,
    };
  });
}

/** Every world checked against the profiles wpack ships; `what` names one in the error. */
async function hostWorlds(worlds: string[], what: (w: string, i: number) => string): Promise<HostWorld[]> {
  const resolved: HostWorld[] = [];
  for (const [i, w] of worlds.entries()) {
    const world = await resolveHostWorld(w);
    if (typeof world === 'string') throw new VerifierError('UNKNOWN_WORLD', `${what(w, i)}: ${world}`);
    resolved.push(world);
  }
  return resolved;
}

/** What to narrow in a declared capability: a placeholder wpack init proposed, or any glob. */
function noteFor(cap: string, iface: ComponentInterface): { note?: string } {
  const externs = [...iface.imports.map((e) => requirementFor(e.name, 'import')), ...iface.exports.map((e) => requirementFor(e.name, 'export'))];
  const placeholder = externs.find((r) => r?.suggested === cap && r.narrow !== undefined)?.narrow;
  // Narrowed in the policy alone, the allow entry would deny this very bundle.
  const where = "(here and in the bundle's wpack.json)";
  if (placeholder !== undefined) return { note: `narrow: ${placeholder} ${where}` };
  if (cap.includes('*')) return { note: `a glob, granting all it matches: narrow it to what the host grants ${where}` };
  return {};
}

/** The signers the flags name, key paths as given: relative to the policy (DESIGN §6). */
function explicitSigners(flags: InitFlags): PolicySigner[] {
  return [
    ...(flags.key ?? []).map((key) => ({ key })),
    ...(flags['keyless-issuer'] !== undefined && flags['keyless-subject'] !== undefined
      ? [{ keyless: { issuer: flags['keyless-issuer'], subject: flags['keyless-subject'] } }]
      : []),
  ];
}

function signatureFields(signers: PolicySigner[], transparencyLog: 'required' | 'optional', flags: InitFlags): Pick<PolicyDraft, 'signers' | 'transparencyLog' | 'trustedRoot'> {
  const root = flags['trusted-root'];
  return { signers, transparencyLog, ...(root !== undefined ? { trustedRoot: root } : {}) };
}

/** The hint of each key file given, to compare with the hints the bundle's key signatures carry. */
async function keyHints(paths: string[], out: string): Promise<{ path: string; hint: string }[]> {
  const keys: { path: string; hint: string }[] = [];
  for (const path of paths) {
    const file = besidePolicy(path, out);
    const where = file === resolve(path) ? '' : ` (relative to the policy: ${relative(process.cwd(), file)})`;
    keys.push({ path, hint: (await readKeyFile(file, `${path}${where}`)).hint });
  }
  return keys;
}

/** The file a path in the policy at `out` names: paths in a policy are relative to it (DESIGN §6). */
function besidePolicy(path: string, out: string): string {
  return resolve(dirname(out), path);
}
