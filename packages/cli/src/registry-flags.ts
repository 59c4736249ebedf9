import { Flags } from '@oclif/core';
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
