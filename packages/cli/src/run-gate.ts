import { writeSync } from 'node:fs';
import type { LockedManifest } from '@wpack/manifest';
import { loadPolicy, VerifierError, type LoadedPolicy } from '@wpack/verifier';
import { withLocalBundle } from './bundle-source.js';
import { checkAndReport, type Printer } from './gate-output.js';
import { pullOptions } from './registry-flags.js';

type RegistryFlagValues = Parameters<typeof pullOptions>[0];

export const toStderr = (line: string): void => void writeSync(2, line);

/**
 * The gate in front of `wpack run`, `wpack serve` and `wpack run-args`: exactly `verify --policy`,
 * its report on stderr (stdout belongs to the component; `quiet` holds it back
 * unless it denies). Only the component bytes the gate itself read and
 * verified reach `use`: the file is never read a second time.
 */
export async function withGatedComponent<T>(
  bundle: string,
  flags: RegistryFlagValues & { policy: string; quiet: boolean },
  version: string,
  use: (manifest: LockedManifest, component: Buffer, digest: string, policy: LoadedPolicy) => Promise<T>,
  /** What a refused bundle does not get, for the one error line. */
  refused = 'nothing was run',
): Promise<T> {
  const policy = await loadPolicy(flags.policy);
  return withLocalBundle(bundle, pullOptions(flags), async (file, ociDigest) => {
    const held: string[] = [];
    const printer: Printer = {
      log: (l) => (flags.quiet ? held.push(l) : toStderr(`${l}\n`)),
      jsonEnabled: () => false,
      version,
    };
    const { report, label } = await checkAndReport(printer, bundle, file, ociDigest, { policy, policyFile: flags.policy, keepComponent: true }, { format: 'text' });
    // Only what the gate verified is loaded, whatever the policy's mode.
    if (!report.verified) {
      for (const l of held) toStderr(`${l}\n`);
      throw new VerifierError('VERIFICATION_FAILED', `${label} did not pass ${flags.policy}: ${refused}`, { category: 'denied' });
    }
    // The very bytes the gate verified: the file is not read again.
    const verified = report.verifiedBundle;
    if (verified === undefined) throw new VerifierError('VERIFICATION_FAILED', `${label}: the gate kept no verified component; ${refused}`, { category: 'denied' });
    return use(verified.manifest, verified.component, report.digest, policy);
  });
}
