/**
 * Output of a gate or quick-check report, shared by `verify` and `extract`:
 * the text report, `--json` data, `--format sarif`, `--output <file>`, and
 * GitHub annotations when GITHUB_ACTIONS=true.
 */
import { relative, resolve } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { runGate, runSignatureCheck, type GateFinding, type GateReport, type LoadedPolicy } from '@wpack/verifier';
import { type SignaturePolicy } from '@wpack/signatures';
import { pinnedLabel, repositoryOf } from './bundle-source.js';
import { githubAnnotations } from './report/github.js';
import { renderSarif } from './report/sarif.js';
import { renderText } from './report/text.js';

export const outputFlags = {
  format: Flags.option({ description: 'report format on stdout (or in --output)', options: ['text', 'json', 'sarif'] as const, default: 'text' })(),
  output: Flags.string({ description: 'write the report in --format to this file (atomically); stdout gets the text report' }),
  'sarif-output': Flags.string({ description: 'also write the SARIF report to this file (atomically), whatever --format and --output say' }),
};

/** The output flags as printReport reads them. */
export interface OutputFlags {
  format: 'text' | 'json' | 'sarif';
  output?: string | undefined;
  'sarif-output'?: string | undefined;
}

/** The stable `--json` shape (schemas in README: "verify --json"). */
export interface VerifyResult {
  verified: boolean;
  /** False in a policy's `mode: warn`. */
  enforced: boolean;
  digest: string;
  name: string;
  version: string;
  /** For a registry reference: the component manifest digest that was verified, to deploy by. */
  ociDigest?: string;
  reference?: string;
  policy?: string;
  signers: string[];
  findings: GateFinding[];
}

export interface Printer {
  log(line: string): void;
  jsonEnabled(): boolean;
  version: string;
}

/** What to check a bundle against: a host policy (the gate), or keys and identities (the quick check). */
export type Check = { policy: LoadedPolicy; policyFile: string; keepComponent?: boolean } | { signatures: SignaturePolicy };

/**
 * Runs the gate or the quick check on a local file (pulled from `argument`
 * when `ociDigest` is set), prints the report as the flags ask, and returns
 * it with its `--json` form. Shared by `verify` and `extract --policy`.
 */
export async function checkAndReport(
  out: Printer,
  argument: string,
  file: string,
  ociDigest: string | undefined,
  check: Check,
  flags: OutputFlags,
): Promise<{ report: GateReport; result: VerifyResult; label: string }> {
  const repository = ociDigest !== undefined ? await repositoryOf(argument) : undefined;
  const report =
    'policy' in check
      ? await runGate(file, check.policy, { ...(repository !== undefined ? { repository } : {}), ...(check.keepComponent === true ? { keepComponent: true } : {}) })
      : await runSignatureCheck(file, check.signatures);
  const label = ociDigest !== undefined ? pinnedLabel(argument, ociDigest) : file;
  const result = toResult(report, { ociDigest, reference: ociDigest !== undefined ? argument : undefined, policy: 'policy' in check ? check.policy.source : undefined });
  await printReport(out, report, result, flags, { label, policyFile: 'policy' in check ? check.policyFile : undefined });
  return { report, result, label };
}

export function toResult(report: GateReport, extra: { ociDigest?: string | undefined; reference?: string | undefined; policy?: string | undefined }): VerifyResult {
  return {
    verified: report.verified,
    enforced: report.enforced,
    digest: report.digest,
    name: report.name,
    version: report.version,
    ...(extra.ociDigest !== undefined ? { ociDigest: extra.ociDigest } : {}),
    ...(extra.reference !== undefined ? { reference: extra.reference } : {}),
    ...(extra.policy !== undefined ? { policy: extra.policy } : {}),
    signers: report.signers,
    findings: report.findings,
  };
}

/**
 * Prints a report the way the flags ask. `--json` (oclif's) prints the
 * returned result itself; everything else is printed here.
 */
export async function printReport(
  out: Printer,
  report: GateReport,
  result: VerifyResult,
  flags: OutputFlags,
  ctx: { label: string; policyFile?: string | undefined },
): Promise<void> {
  // The text names the policy as the user gave it; SARIF wants a location relative to where it runs (the repository).
  const policyRel = ctx.policyFile !== undefined ? relative(process.cwd(), resolve(ctx.policyFile)) || ctx.policyFile : undefined;
  const text = renderText(report, { label: ctx.label, ...(ctx.policyFile !== undefined ? { policy: ctx.policyFile } : {}) });
  const sarifOutput = flags['sarif-output'];
  const sarif = flags.format === 'sarif' || sarifOutput !== undefined ? await renderSarif(report, { label: ctx.label, artifact: policyRel ?? ctx.label, version: out.version }) : undefined;
  let formatted: string | undefined;
  if (flags.format === 'json') formatted = `${JSON.stringify(result, null, 2)}\n`;
  if (flags.format === 'sarif') formatted = sarif;

  const machineOnStdout = out.jsonEnabled() || (formatted !== undefined && flags.output === undefined);
  if (flags.output !== undefined || sarifOutput !== undefined) {
    const { default: writeFileAtomic } = await import('write-file-atomic');
    if (flags.output !== undefined) await writeFileAtomic(flags.output, formatted ?? `${text.join('\n')}\n`);
    if (sarifOutput !== undefined) await writeFileAtomic(sarifOutput, sarif ?? '');
  }
  if (!out.jsonEnabled()) {
    if (formatted !== undefined && flags.output === undefined) process.stdout.write(formatted);
    else for (const line of text) out.log(line);
  }
  if (process.env.GITHUB_ACTIONS === 'true') {
    // Workflow commands are read from both streams; keep machine output on
    // stdout clean. Straight to the stream: oclif mutes its own log helpers under --json.
    const print = machineOnStdout ? (l: string) => process.stderr.write(`${l}\n`) : (l: string) => out.log(l);
    for (const line of githubAnnotations(report, policyRel)) print(line);
  }
}
