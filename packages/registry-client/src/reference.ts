import { RegistryError } from './errors.js';

/** A parsed `registry/repository[:tag][@digest]` reference (distribution-spec "Pulling manifests"). */
export interface Reference {
  /** Registry host with optional port, as written (docker.io for Docker Hub). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB = 'docker.io';
// distribution/reference grammar: path components of lowercase alphanumerics with . _ __ - separators.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// A host name of dot-separated labels, an IPv4 address or a bracketed IPv6 one, with an optional port.
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * Parses a reference. Like docker and oras: the first path component is a
 * registry if it has a `.` or `:` or is `localhost`; otherwise Docker Hub,
 * where one-component names live under `library/`.
 */
export function parseReference(text: string): Reference {
  const bad = (why: string): never => {
    throw new RegistryError('INVALID_REFERENCE', `invalid reference ${JSON.stringify(text)}: ${why} (expected registry/repository[:tag][@sha256:…])`);
  };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) bad('the digest must be sha256:<64 hex digits>');
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(slash + 1);
    if (!REGISTRY_HOST.test(registry)) bad(`${JSON.stringify(registry)} is not a registry host[:port]`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad('invalid tag');
  }
  if (registry === DOCKER_HUB && !rest.includes('/')) rest = `library/${rest}`;
  if (!REPOSITORY.test(rest)) bad('invalid repository name');
  if (rest.length > 255) bad('repository name too long');
  const ref: Reference = { registry, repository: rest };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The host to talk to: Docker Hub's API lives at registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** What a manifest is fetched by: the digest when there is one, else the tag (default `latest`). */
export function manifestReference(ref: Reference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** Plain HTTP only for loopback by default (as docker does for localhost), else by explicit choice. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
