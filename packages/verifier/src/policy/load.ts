/**
 * Loads a host policy (DESIGN §6): JSON with comments, checked against
 * schemas/policy.schema.json, then everything the schema cannot say — the
 * capability patterns parse, the worlds are known, regular expressions
 * compile, keys and the trusted root load, host WIT defines what `provides`
 * names. Every problem is reported with its JSON pointer, all at once.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseCapabilityPattern, type CapabilityPattern } from '@wpack/manifest';
import { quoteValue, readJson, WpackError, type ValidationProblem } from '@wpack/core';
import { keyHint, loadPublicKey } from '@wpack/signatures';
import { loadTrustedRoot, publicGoodTrustedRoot } from '@wpack/signatures';
import type { SignaturePolicy, TrustedIdentity, TrustedKey } from '@wpack/signatures';
import type { IdentityMatcher } from '@wpack/signatures';
import { resolveHostWorld, type HostSpec } from '../world/check.js';
import { VerifierError } from '../errors.js';
import { PolicyValidationError } from './errors.js';
import { validatePolicySchema } from './schema.js';
import type { PolicyDocument, PolicyLimits } from './types.js';
import { checkHostWit } from './host-wit.js';

export interface PolicyCapability {
  text: string;
  pattern: CapabilityPattern;
}

/** A policy ready for the gate: paths resolved, keys and roots loaded. */
export interface LoadedPolicy {
  /** Absolute path of the policy file. */
  source: string;
  mode: 'enforce' | 'warn';
  scopes: string[];
  host: HostSpec;
  /** Absolute paths of the host WIT files. */
  wit: string[];
  /** Every file the policy was read from: itself, its keys, its trusted root and WIT files (absolute). */
  files: string[];
  signatures: SignaturePolicy;
  allow: PolicyCapability[];
  deny: PolicyCapability[];
  limits: PolicyLimits;
}

/**
 * Parses policy text: JSON, with `//` and block comments and trailing commas
 * allowed, through @wpack/core's strict reader. A syntax error or a duplicate
 * key (`"mode":"enforce","mode":"warn"`, which JSON.parse would read as warn)
 * is a located POLICY_INVALID problem.
 */
export function parsePolicyText(text: string, source: string): Promise<unknown> {
  // Asynchronous as it always was; a problem rejects, it never throws.
  return new Promise((resolve) => {
    resolve(readPolicyText(text, source));
  });
}

function readPolicyText(text: string, source: string): unknown {
  const { value, problems } = readJson(text, { comments: true });
  if (problems.length > 0) throw new PolicyValidationError(source, problems);
  return value;
}

export async function loadPolicy(file: string): Promise<LoadedPolicy> {
  const source = resolve(file);
  const text = await readFile(source, 'utf8').catch((err: unknown) => {
    throw new VerifierError('POLICY_NOT_FOUND', `cannot read policy ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  const doc = readPolicyText(text, file);
  const problems = validatePolicySchema(doc);
  if (problems.length > 0) throw new PolicyValidationError(file, problems);
  const policy = doc as PolicyDocument;
  const base = dirname(source);
  const at = (p: string): string => resolve(base, p);

  const out: ValidationProblem[] = [];
  const allow = patterns(policy.capabilities?.allow ?? [], '/capabilities/allow', out);
  const deny = patterns(policy.capabilities?.deny ?? [], '/capabilities/deny', out);
  const host = await hostSpec(policy, out);
  const signatures = await signaturePolicy(policy, at, out);
  const wit = (policy.host.wit ?? []).map(at);
  if (out.length === 0 && wit.length > 0) {
    const checked = await checkHostWit(wit, host.provides);
    out.push(...checked.problems);
    host.providedTypes = checked.types;
  }
  if (out.length > 0) throw new PolicyValidationError(file, out);
  const named = policy.signatures.signers.flatMap((signer) => ('key' in signer ? [at(signer.key)] : []));
  if (policy.signatures.trustedRoot !== undefined) named.push(at(policy.signatures.trustedRoot));
  return {
    source,
    mode: policy.mode ?? 'enforce',
    scopes: policy.scopes ?? [],
    host,
    wit,
    files: [...new Set([source, ...named, ...wit])],
    signatures,
    allow,
    deny,
    limits: policy.limits ?? {},
  };
}

function patterns(texts: string[], path: string, out: ValidationProblem[]): PolicyCapability[] {
  const parsed: PolicyCapability[] = [];
  texts.forEach((text, i) => {
    try {
      parsed.push({ text, pattern: parseCapabilityPattern(text) });
    } catch (err) {
      if (!(err instanceof WpackError)) throw err;
      out.push({ path: `${path}/${String(i)}`, message: `${quoteValue(text)} — ${err.message}` });
    }
  });
  return parsed;
}

async function hostSpec(policy: PolicyDocument, out: ValidationProblem[]): Promise<HostSpec> {
  const worlds: HostSpec['worlds'] = [];
  const entries = policy.host.worlds ?? [];
  for (const [i, text] of entries.entries()) {
    const world = await resolveHostWorld(text);
    if (typeof world === 'string') out.push({ path: `/host/worlds/${String(i)}`, message: `${quoteValue(text)} — ${world}` });
    else worlds.push(world);
  }
  const provides = policy.host.provides ?? [];
  // An empty host is its own problem; worlds that were named but rejected are already reported.
  if (worlds.length === 0 && provides.length === 0 && entries.length === 0) {
    out.push({ path: '/host', message: 'names no world and provides no interface: nothing could ever be linked (add host.worlds or host.provides)' });
  }
  return { worlds, provides };
}

async function signaturePolicy(policy: PolicyDocument, at: (p: string) => string, out: ValidationProblem[]): Promise<SignaturePolicy> {
  const keys: TrustedKey[] = [];
  const identities: TrustedIdentity[] = [];
  for (const [i, signer] of policy.signatures.signers.entries()) {
    const path = `/signatures/signers/${String(i)}`;
    if ('key' in signer) {
      const file = at(signer.key);
      try {
        const publicKey = loadPublicKey(await readFile(file));
        const key: TrustedKey = { publicKey, hint: keyHint(publicKey), source: signer.key };
        if (signer.validFrom !== undefined) key.validFrom = new Date(signer.validFrom);
        if (signer.validUntil !== undefined) key.validUntil = new Date(signer.validUntil);
        keys.push(key);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
        out.push({ path: `${path}/key`, message: `${quoteValue(signer.key)} — cannot load the public key: ${reason}` });
      }
      continue;
    }
    const { issuer, subject, subjectRegExp } = signer.keyless;
    let matcher: IdentityMatcher;
    if (subjectRegExp !== undefined) {
      try {
        new RegExp(subjectRegExp, 'u');
      } catch (err) {
        out.push({ path: `${path}/keyless/subjectRegExp`, message: `not a valid regular expression: ${(err as Error).message}` });
        continue;
      }
      matcher = { kind: 'regexp', source: subjectRegExp };
    } else {
      const s = subject ?? '';
      matcher = s.includes('*') ? { kind: 'glob', pattern: s } : { kind: 'exact', value: s };
    }
    identities.push({ issuer, subject: matcher });
  }
  const result: SignaturePolicy = {
    keys,
    identities,
    minimum: policy.signatures.minimum ?? 1,
    requireTlog: (policy.signatures.transparencyLog ?? 'required') === 'required',
  };
  if (policy.signatures.minimum !== undefined && policy.signatures.minimum > policy.signatures.signers.length) {
    out.push({
      path: '/signatures/minimum',
      message: `${String(policy.signatures.minimum)} — more than the ${String(policy.signatures.signers.length)} signers listed: no bundle could ever pass`,
    });
  }
  if (identities.length > 0 || policy.signatures.trustedRoot !== undefined) {
    try {
      result.trustedRoot = policy.signatures.trustedRoot !== undefined ? await loadTrustedRoot(at(policy.signatures.trustedRoot)) : await publicGoodTrustedRoot();
    } catch (err) {
      out.push({ path: '/signatures/trustedRoot', message: (err as Error).message });
    }
  }
  return result;
}
