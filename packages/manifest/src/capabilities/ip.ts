/**
 * ipaddr.js, required on first use: only capabilities with an IP literal or
 * CIDR need it, and loading it costs every command's start-up otherwise.
 */
import { createRequire } from 'node:module';
import type ipaddrType from 'ipaddr.js';

let lib: typeof ipaddrType | undefined;

export function ipaddr(): typeof ipaddrType {
  lib ??= createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrType;
  return lib;
}
