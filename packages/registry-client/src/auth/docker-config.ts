import { problemsLine, readJson } from '@wpack/core';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { RegistryError } from '../errors.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`). */
  identityToken?: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json: what `docker login` writes. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Docker Hub's credentials are stored under its v1 index URL. */
function configKeys(registry: string): string[] {
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') return ['https://index.docker.io/v1/', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`];
}

/**
 * Credentials for exactly one registry host, from Docker's config: a
 * per-registry credential helper, else the default credsStore, else the
 * inline `auths` entry. Never a near match: `ghcr.io` credentials are not
 * sent to `ghcr.io.evil.example`.
 */
export async function dockerCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const config = await readConfig(dockerConfigPath(env));
  const keys = configKeys(registry);
  const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => h !== undefined) ?? config.credsStore;
  if (helper !== undefined && helper !== '') {
    for (const key of keys) {
      const found = await fromHelper(helper, key);
      if (found !== undefined) return found;
    }
  }
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (entry === undefined) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) throw new RegistryError('CREDENTIALS', `the auths entry for ${key} in ${dockerConfigPath(env)} is not base64("user:password")`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  }
  return undefined;
}

async function readConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  const { value, problems } = readJson(text);
  if (problems.length > 0) throw new RegistryError('CREDENTIALS', `${path} is not valid JSON: ${problemsLine(problems)}`);
  return value as DockerConfig;
}

/** `docker-credential-<helper> get`, the credential-helper protocol: host on stdin, JSON on stdout. */
function fromHelper(helper: string, serverURL: string): Promise<Credentials | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 10_000 }, (err, stdout) => {
      if (err) {
        // "credentials not found in native keychain" is a miss, not a failure.
        if (/not found/i.test(stdout) || (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
        return reject(new RegistryError('CREDENTIALS', `docker-credential-${helper} get failed for ${serverURL}: ${stdout.trim() || err.message}`));
      }
      try {
        const out = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (out.Username === '<token>') resolve({ identityToken: out.Secret ?? '' });
        else resolve({ username: out.Username ?? '', password: out.Secret ?? '' });
      } catch {
        reject(new RegistryError('CREDENTIALS', `docker-credential-${helper} get printed no JSON for ${serverURL}`));
      }
    });
    child.stdin?.end(serverURL);
  });
}

/** Stores (or with undefined, removes) inline credentials, as `docker login` without a helper does. */
export async function storeDockerCredentials(registry: string, creds: { username: string; password: string } | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  const key = configKeys(registry)[0] as string;
  const auths = { ...(config.auths ?? {}) };
  if (creds === undefined) {
    for (const k of configKeys(registry)) delete auths[k];
  } else {
    auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${String(process.pid)}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...config, auths }, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, path);
  return path;
}
