/**
 * `wpack policy export --to kyverno|policy-controller`: a host policy's signer
 * rules (and, where the controller can, a capability check) for clusters that
 * already run Kyverno or sigstore's policy-controller (RUNTIME.md, "Admission").
 *
 * wpack signs an in-toto statement whose subjects are the bundle (its
 * wpack.json) and the component's OCI image manifest, with predicate type
 * WPACK_PREDICATE_TYPE and the declared capabilities in its predicate, and
 * pushes it as a Sigstore bundle referrer of the component. Both controllers
 * can verify such an attestation on the image; neither can make the checks
 * that need the component or the capability grammar. Each export says which,
 * in its header and in `limits`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { WpackError } from '@wpack/core';
import { overlaps, parseCapability, parseCapabilityPattern } from '@wpack/manifest';
import { WPACK_PREDICATE_TYPE } from '@wpack/signatures';
import { loadPolicy, parsePolicyText, type PolicyDocument } from '@wpack/verifier';

export type ExportTarget = 'kyverno' | 'policy-controller';

export interface PolicyExport {
  objects: Record<string, unknown>[];
  /** What the exported policy cannot check, one sentence each. */
  limits: string[];
}

/** Checks that need the component itself, or the capability grammar: no controller makes them. */
const NEVER = [
  'the WIT world: every import provided by the host, at a compatible version, with compatible types',
  'that the component really imports what wpack.json declares (the digests of the bundle entries)',
  'containment of capabilities: a declared capability granted only through a glob, a CIDR, a port range or a path prefix of the policy is denied by this export (exact text only), and so is every allow entry that meets a deny entry',
  'limits (component and bundle size)',
];

/** `*` any run, `?` one character (the policy's keyless subject glob), as an anchored regular expression. */
export function globToRegExp(glob: string): string {
  return `^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c)).join('')}$`;
}

interface Source {
  doc: PolicyDocument;
  keys: { name: string; pem: string }[];
  identities: { issuer: string; subject?: string; subjectRegExp?: string }[];
  /**
   * The allow entries a declared capability may equal, by exact text, and be
   * granted by wpack too: an entry that meets any deny entry is left out (a
   * capability equal to it would meet that deny, and deny wins), and so is
   * one that is not a capability a manifest can declare.
   */
  exact: string[];
  scopes: string[];
  minimum: number;
}

async function readSource(policyFile: string): Promise<Source> {
  await loadPolicy(policyFile);
  const doc = (await parsePolicyText(await readFile(policyFile, 'utf8'), policyFile)) as PolicyDocument;
  const base = dirname(resolve(policyFile));
  const keys: Source['keys'] = [];
  const identities: Source['identities'] = [];
  for (const signer of doc.signatures.signers) {
    if ('key' in signer) keys.push({ name: `key${String(keys.length)}`, pem: await readFile(resolve(base, signer.key), 'utf8') });
    else identities.push(signer.keyless);
  }
  return {
    doc,
    keys,
    identities,
    exact: exactAllow(doc.capabilities?.allow ?? [], doc.capabilities?.deny ?? []),
    scopes: doc.scopes ?? [],
    minimum: doc.signatures.minimum ?? 1,
  };
}

function exactAllow(allow: readonly string[], deny: readonly string[]): string[] {
  const denied = deny.map((d) => parseCapabilityPattern(d));
  return allow.filter((text) => {
    let cap;
    try {
      cap = parseCapability(text);
    } catch {
      return false;
    }
    return !denied.some((d) => overlaps(d, cap));
  });
}

/**
 * A scope is a repository glob (`*` within a segment, `**` across); a
 * controller matches the whole reference, tag or digest included. Each scope
 * becomes the repository itself, with a tag, and with a digest, `**` read as
 * `*`: the controllers' globs then match at least the references wpack scopes.
 */
function referenceGlobs(scopes: readonly string[], all: string): string[] {
  if (scopes.length === 0) return [all];
  return scopes.flatMap((scope) => {
    const repo = scope.replace(/\*\*/g, '*');
    return [repo, `${repo}:*`, `${repo}@*`];
  });
}

const nameOf = (policyFile: string, given?: string): string => {
  const name = given ?? `wpack-${(policyFile.split('/').pop() ?? 'policy').replace(/\.[^.]*$/, '')}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) throw new WpackError('USAGE', `--name ${JSON.stringify(name)} is not a Kubernetes object name (lowercase letters, digits and -)`);
  return name;
};

/** wpack denies a reference outside every scope; a controller leaves an image its globs do not match alone. */
function scopeLimit(src: Source): string[] {
  return src.scopes.length > 0 ? ['images outside the policy\'s scopes: wpack denies them, the controller does not check them at all'] : [];
}

const CATEGORIES = ['containers', 'initContainers', 'ephemeralContainers'];

export async function exportPolicy(policyFile: string, to: ExportTarget, options: { name?: string } = {}): Promise<PolicyExport> {
  const src = await readSource(policyFile);
  const name = nameOf(policyFile, options.name);
  if (src.doc.mode === 'warn') throw new WpackError('USAGE', `${policyFile} is in mode warn: export a policy that enforces`);
  return to === 'kyverno' ? kyverno(src, name) : policyController(src, name);
}

function kyverno(src: Source, name: string): PolicyExport {
  const attestors: Record<string, unknown>[] = [
    ...src.keys.map((k) => ({ name: k.name, cosign: { key: { data: k.pem } } })),
    ...src.identities.map((id, i) => ({
      name: `keyless${String(i)}`,
      cosign: {
        keyless: { identities: [{ issuer: id.issuer, ...(id.subjectRegExp !== undefined ? { subjectRegExp: `^(?:${id.subjectRegExp})$` } : { subjectRegExp: globToRegExp(id.subject ?? '*') }) }] },
        ...(src.doc.signatures.transparencyLog === 'optional' ? {} : { ctlog: { url: 'https://rekor.sigstore.dev' } }),
      },
    })),
  ];
  const attestorList = `[${attestors.map((a) => `attestors.${String(a.name)}`).join(', ')}]`;
  const each = (category: string, expr: string) => `!has(images.${category}) || images.${category}.all(image, ${expr})`;
  const exact = `[${src.exact.map((c) => JSON.stringify(c)).join(', ')}]`;
  const payload = 'extractPayload(image, attestations.wpack)';
  // The payload is the whole statement for some predicate types and the predicate for others; the wpack predicate has no `predicate` field.
  const predicate = `(has(${payload}.predicate) ? ${payload}.predicate : ${payload})`;
  const validations = CATEGORIES.flatMap((category) => [
    {
      expression: each(category, `verifyAttestationSignatures(image, attestations.wpack, ${attestorList}) >= ${String(src.minimum)}`),
      message: `${category}: no wpack attestation (${WPACK_PREDICATE_TYPE}) signed by ${String(src.minimum)} trusted signer(s) of the host policy`,
    },
    {
      expression: each(category, `${predicate}.capabilities.all(c, c in ${exact})`),
      message: `${category}: the bundle declares a capability the host policy does not grant (exact text; run wpack admission serve for glob containment)`,
    },
  ]);
  const limits = [
    ...NEVER,
    ...scopeLimit(src),
    ...(src.doc.signatures.trustedRoot !== undefined ? ['the policy\'s own trustedRoot: this export uses the public Sigstore instance; set the attestors\' trustedRoot to that root'] : []),
  ];
  const policy = {
    apiVersion: 'policies.kyverno.io/v1',
    kind: 'ImageValidatingPolicy',
    metadata: { name, annotations: { 'wpack.dev/not-checked': limits.join(' | ') } },
    spec: {
      validationActions: ['Deny'],
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }] },
      matchImageReferences: referenceGlobs(src.scopes, '*').map((glob) => ({ glob })),
      attestors,
      attestations: [{ name: 'wpack', intoto: { type: WPACK_PREDICATE_TYPE } }],
      validations,
    },
  };
  return { objects: [policy], limits };
}

function policyController(src: Source, name: string): PolicyExport {
  if (src.identities.length === 0) {
    throw new WpackError('USAGE', 'policy-controller reads Sigstore bundle signatures (what wpack pushes) only for keyless authorities, and this policy trusts keys only: export --to kyverno, or run wpack admission serve');
  }
  if (src.minimum > 1) {
    throw new WpackError('USAGE', `the policy requires ${String(src.minimum)} distinct signers; a ClusterImagePolicy passes when any one authority does: export --to kyverno, or run wpack admission serve`);
  }
  const allowed = src.exact.map((c) => `  ${JSON.stringify(c)}`).join(',\n');
  const rego = [
    'package sigstore',
    '',
    '# The wpack predicate of the verified attestation: every declared capability must be one of',
    '# the host policy\'s allow entries, by exact text (glob containment needs wpack admission serve).',
    'default isCompliant = false',
    '',
    `allowed := {\n${allowed}\n}`,
    '',
    'isCompliant {',
    `  input.predicateType == ${JSON.stringify(WPACK_PREDICATE_TYPE)}`,
    '  count({c | c := input.predicate.capabilities[_]; not allowed[c]}) == 0',
    '}',
    '',
  ].join('\n');
  const limits = [
    ...NEVER,
    ...scopeLimit(src),
    ...(src.doc.signatures.trustedRoot !== undefined ? ['the policy\'s own trustedRoot: this export names the public Sigstore instance; point the authority at a TrustRoot resource (trustRootRef) holding that root'] : []),
    ...(src.keys.length > 0 ? [`the policy's ${String(src.keys.length)} key signer(s): policy-controller verifies bundle-format signatures only for keyless authorities, so key signatures are not accepted here`] : []),
  ];
  const policy = {
    apiVersion: 'policy.sigstore.dev/v1beta1',
    kind: 'ClusterImagePolicy',
    metadata: { name, annotations: { 'wpack.dev/not-checked': limits.join(' | ') } },
    spec: {
      mode: 'enforce',
      images: referenceGlobs(src.scopes, '**').map((glob) => ({ glob })),
      authorities: src.identities.map((id, i) => ({
        name: `keyless${String(i)}`,
        keyless: {
          url: 'https://fulcio.sigstore.dev',
          identities: [{ issuer: id.issuer, subjectRegExp: id.subjectRegExp !== undefined ? `^(?:${id.subjectRegExp})$` : globToRegExp(id.subject ?? '*') }],
        },
        ...(src.doc.signatures.transparencyLog === 'optional' ? {} : { ctlog: { url: 'https://rekor.sigstore.dev' } }),
        signatureFormat: 'bundle',
        attestations: [{ name: 'wpack', predicateType: WPACK_PREDICATE_TYPE, policy: { type: 'rego', data: rego } }],
      })),
    },
  };
  return { objects: [policy], limits };
}
