import * as Flags from '@oclif/core/flags';
import type { PullOptions } from '@wpack/manifest';
import type { ClientOptions } from '@wpack/registry-client';

/** Flags every registry command shares. */
export const registryFlags = {
  'plain-http': Flags.boolean({ description: 'talk plain HTTP (the default only for localhost and 127.0.0.0/8)', allowNo: true }),
  'ca-file': Flags.string({ description: 'trust this CA certificate (PEM) besides the system ones' }),
};

export function clientOptions(flags: { 'plain-http'?: boolean | undefined; 'ca-file'?: string | undefined }): ClientOptions {
  const o: ClientOptions = {};
  if (flags['plain-http'] !== undefined) o.plainHttp = flags['plain-http'];
  if (flags['ca-file'] !== undefined) o.caFile = flags['ca-file'];
  return o;
}

/** For commands that pull: which bundle, when several share one component. */
export const bundleDigestFlag = {
  'bundle-digest': Flags.string({
    description: 'when several bundles share the component (their wpack.json differs), the one to use: sha256:… of its wpack.json',
  }),
};

export function pullOptions(flags: { 'plain-http'?: boolean | undefined; 'ca-file'?: string | undefined; 'bundle-digest'?: string | undefined }): PullOptions {
  const o: PullOptions = clientOptions(flags);
  if (flags['bundle-digest'] !== undefined) o.bundleDigest = flags['bundle-digest'];
  return o;
}
