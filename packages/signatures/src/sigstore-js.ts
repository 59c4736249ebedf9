/**
 * sigstore-js, loaded on first use. Its packages are CommonJS: `require`
 * loads them directly, where `import()` would first lex every module of
 * their re-export chains for named exports (about 15 ms of each gate).
 */
import { createRequire } from 'node:module';
import type * as SigstoreBundle from '@sigstore/bundle';
import type * as SigstoreCore from '@sigstore/core';
import type * as ProtobufSpecs from '@sigstore/protobuf-specs';
import type * as SigstoreSign from '@sigstore/sign';
import type * as SigstoreVerify from '@sigstore/verify';

const load = createRequire(import.meta.url);

export const sigstoreBundle = (): typeof SigstoreBundle => load('@sigstore/bundle') as typeof SigstoreBundle;
export const sigstoreCore = (): typeof SigstoreCore => load('@sigstore/core') as typeof SigstoreCore;
export const sigstoreSpecs = (): typeof ProtobufSpecs => load('@sigstore/protobuf-specs') as typeof ProtobufSpecs;
export const sigstoreSign = (): typeof SigstoreSign => load('@sigstore/sign') as typeof SigstoreSign;
export const sigstoreVerify = (): typeof SigstoreVerify => load('@sigstore/verify') as typeof SigstoreVerify;
