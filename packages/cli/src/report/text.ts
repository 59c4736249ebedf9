/** The human report of `wpack verify` and `wpack extract --policy`: one block per finding, grouped by step. */
import { GATE_STEPS, type GateFinding, type GateReport } from '@wpack/verifier';
import { describeSigner } from '@wpack/signatures';

const MARK = { error: 'FAIL', warning: 'warn', info: 'ok  ' } as const;

export interface ReportContext {
  /** What was verified: a file path, or `reference@digest`. */
  label: string;
  /** The policy file, when the gate ran. */
  policy?: string;
}

export function verdictWord(report: GateReport): string {
  if (report.verified) return 'VERIFIED';
  return report.enforced ? 'DENIED' : 'DENIED (mode: warn, not enforced)';
}

export function renderText(report: GateReport, ctx: ReportContext): string[] {
  const lines = [`${verdictWord(report)}  ${ctx.label}  ${report.digest}${ctx.policy !== undefined ? `  (policy ${ctx.policy})` : ''}`];
  for (const step of GATE_STEPS) {
    for (const f of report.findings.filter((x) => x.step === step)) lines.push(...renderFinding(f));
  }
  if (report.signers.length > 0) lines.push(`  signed by ${report.signers.map(describeSigner).join('; ')}`);
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  lines.push(`  ${String(errors)} error${errors === 1 ? '' : 's'}, ${String(warnings)} warning${warnings === 1 ? '' : 's'}`);
  return lines;
}

function renderFinding(f: GateFinding): string[] {
  const lines = [`  ${MARK[f.severity]} [${f.step}] ${f.code}: ${f.message}`];
  if (f.severity !== 'info') {
    if (f.why !== undefined) lines.push(`         why: ${f.why}`);
    if (f.fix !== undefined) lines.push(`         fix: ${f.fix}`);
  }
  return lines;
}
