/**
 * SARIF 2.1.0 for GitHub code scanning (DESIGN §7), built with
 * node-sarif-builder. Every finding code is a rule; every error or warning a
 * result located in the policy file (code scanning needs a file in the
 * repository, and the policy is the gate's checked-in configuration).
 */
import { GATE_FINDING_CODES, type GateReport } from '@wpack/verifier';

export async function renderSarif(report: GateReport, ctx: { label: string; artifact: string; version: string }): Promise<string> {
  const { SarifBuilder, SarifRunBuilder, SarifResultBuilder, SarifRuleBuilder } = await import('node-sarif-builder');
  const run = new SarifRunBuilder().initSimple({ toolDriverName: 'wpack', toolDriverVersion: ctx.version });
  const used = new Set(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code));
  for (const [code, info] of Object.entries(GATE_FINDING_CODES)) {
    if (!used.has(code as keyof typeof GATE_FINDING_CODES)) continue;
    run.addRule(
      new SarifRuleBuilder().initSimple({
        ruleId: code,
        shortDescriptionText: info.title,
        fullDescriptionText: `wpack verify, ${info.step} step: ${info.title} (README: "Gate deployments in CI", finding codes)`,
      }),
    );
  }
  for (const f of report.findings) {
    if (f.severity === 'info') continue;
    const text = [`${ctx.label}: ${f.message}`, f.why && `Why: ${f.why}`, f.fix && `Fix: ${f.fix}`].filter(Boolean).join('. ');
    run.addResult(
      new SarifResultBuilder().initSimple({
        level: f.severity === 'error' ? 'error' : 'warning',
        messageText: text,
        ruleId: f.code,
        fileUri: ctx.artifact,
        startLine: 1,
      }),
    );
  }
  const builder = new SarifBuilder();
  builder.addRun(run);
  return builder.buildSarifJsonString({ indent: true });
}
