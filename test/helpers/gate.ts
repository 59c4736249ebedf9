// Helpers for the gate scenario suite (test/gate-scenarios.test.ts): taking a
// real bundle apart and putting it back together with one thing changed, and
// appending hand-made signatures. Every archive still starts from a bundle
// that `createBundle` wrote from a real fixture component.
import { createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { appendEntry, bytesOf, indexArchive, isSignatureEntry, readBundleHead, writeArchiveFile, type LockedManifest } from '@wpack/manifest';
import { canonicalJson } from '@wpack/core';
import { type GateFinding } from '@wpack/verifier';
import { keyHint } from '@wpack/signatures';

/** The distinct finding codes of a report, sorted: what the scenarios compare. */
export function codeSet(findings: readonly Pick<GateFinding, 'code'>[]): string[] {
  return [...new Set(findings.map((f) => f.code))].sort();
}

/** A Sigstore signer over a local key, for @sigstore/sign's bundle builders. */
export function keySigner(priv: KeyObject) {
  const publicKey = createPublicKey(priv);
  return {
    sign: (data: Buffer) =>
      Promise.resolve({
        signature: cryptoSign('sha256', data, priv),
        key: { $case: 'publicKey' as const, publicKey: String(publicKey.export({ type: 'spki', format: 'pem' })), hint: keyHint(publicKey) },
      }),
  };
}

/** A DSSE Sigstore bundle (JSON) over any payload, signed with a local key. */
export async function dsseSignature(priv: KeyObject, payload: Buffer, payloadType: string): Promise<unknown> {
  const b = await new DSSEBundleBuilder({ signer: keySigner(priv), witnesses: [] }).create({ data: payload, type: payloadType });
  return bundleToJSON(b);
}

/** A message-signature Sigstore bundle (JSON) over `data`: not what wpack signs. */
export async function messageSignature(priv: KeyObject, data: Buffer): Promise<unknown> {
  const b = await new MessageSignatureBundleBuilder({ signer: keySigner(priv), witnesses: [] }).create({ data });
  return bundleToJSON(b);
}

/** Appends raw bytes, or a value as JSON, as the bundle's next signatures/<n>.sigstore.json entry. */
export async function appendSignature(file: string, json: unknown): Promise<void> {
  const head = await readBundleHead(file);
  const bytes = Buffer.isBuffer(json) ? json : Buffer.from(JSON.stringify(json));
  await appendEntry(file, `signatures/${String(head.signatures.length + 1)}.sigstore.json`, bytes, new Date(0));
}

/** The parsed JSON of a bundle's n-th signature entry. */
export async function signatureJson(file: string, n = 0): Promise<Record<string, unknown>> {
  const sig = (await readBundleHead(file)).signatures[n];
  if (sig === undefined) throw new Error(`${file} has no signature ${String(n)}`);
  return JSON.parse(sig.bytes.toString('utf8')) as Record<string, unknown>;
}

/** Where an entry's data lies in the archive. */
export async function entryData(file: string, name: string): Promise<{ dataOffset: number; size: number }> {
  const e = (await indexArchive(file)).entries.find((x) => x.name === name);
  if (e === undefined) throw new Error(`${file} has no entry ${name}`);
  return { dataOffset: e.dataOffset, size: e.size };
}

/** XORs one byte of a file in place. */
export async function flipByteAt(file: string, offset: number, mask = 0x01): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, offset);
    b[0] = (b[0] as number) ^ mask;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

export interface ArchiveParts {
  manifest: LockedManifest;
  /** component.wasm and the resources, in archive order (signatures left out). */
  files: { path: string; data: Buffer }[];
}

/** A bundle's locked manifest and its file entries' bytes (signatures dropped). */
export async function readArchiveParts(file: string): Promise<ArchiveParts> {
  const head = await readBundleHead(file);
  const bytes = await readFile(file);
  const files = (await indexArchive(file)).entries
    .slice(1)
    .filter((e) => !isSignatureEntry(e.name))
    .map((e) => ({ path: e.name, data: bytes.subarray(e.dataOffset, e.dataOffset + e.size) }));
  return { manifest: structuredClone(head.manifest), files };
}

/**
 * Writes an archive the way wpack lays one out (same header fields, the
 * manifest as canonical JSON first), from parts that may have been edited.
 * Each tar header carries the real size of its data, whatever the manifest says.
 */
export async function writeArchiveParts(out: string, parts: ArchiveParts): Promise<void> {
  const manifestBytes = Buffer.from(canonicalJson(parts.manifest));
  const epoch = Date.parse(parts.manifest.created) / 1000;
  await writeArchiveFile(
    out,
    epoch,
    manifestBytes,
    parts.files.map((f) => ({ path: f.path, size: f.data.length, label: f.path, open: () => bytesOf(f.data) })),
  );
}
