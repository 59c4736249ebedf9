/**
 * SARIF 2.1.0 for GitHub code scanning (DESIGN §7), built with
 * node-sarif-builder. Every finding code is a rule; every error or warning a
 * result located in the policy file (code scanning needs a file in the
 * repository, and the policy is the gate's checked-in configuration).
 *
 * What GitHub's ingestion asks beyond the schema (the multitool's GH rules):
 * each rule has `help` (GH2012) — here its why and fix, from
 * GATE_CODE_ADVICE — and results carry `partialFingerprints`, so that a
 * re-run updates an alert instead of opening another.
 */
import { createHash } from 'node:crypto';
import type { ReportingDescriptor } from 'sarif';
import { GATE_CODE_ADVICE, GATE_FINDING_CODES, type GateFinding, type GateFindingCode, type GateReport, type GateStep } from '@wpack/verifier';
import { findingHelpUrl, GATE_DOCS_URL } from '../docs-links.js';

/** Steps whose findings are about tampering, provenance or access: tagged `security`. */
const SECURITY_STEPS: ReadonlySet<GateStep> = new Set(['integrity', 'signatures', 'capabilities']);

/** The key of our fingerprint in `partialFingerprints`; the version says how it is computed. */
export const FINGERPRINT_KEY = 'wpackFinding/v1';

export async function renderSarif(report: GateReport, ctx: { label: string; artifact: string; version: string }): Promise<string> {
  const { SarifBuilder, SarifRunBuilder, SarifResultBuilder, SarifRuleBuilder } = await import('node-sarif-builder');
  const run = new SarifRunBuilder().initSimple({ toolDriverName: 'wpack', toolDriverVersion: ctx.version, url: GATE_DOCS_URL });
  const problems = report.findings.filter((f) => f.severity !== 'info');
  const used = new Set(problems.map((f) => f.code));
  for (const code of Object.keys(GATE_FINDING_CODES) as GateFindingCode[]) {
    if (!used.has(code)) continue;
    // The builders' options and initSimple know no help, tags or fingerprints: their objects are set whole.
    const builder = new SarifRuleBuilder();
    builder.rule = rule(code);
    run.addRule(builder);
  }
  const fingerprints = fingerprintsOf(report.name, ctx.artifact, problems);
  for (const [i, f] of problems.entries()) {
    const text = [`${ctx.label}: ${f.message}`, f.why && `Why: ${f.why}`, f.fix && `Fix: ${f.fix}`].filter(Boolean).join('. ');
    const result = new SarifResultBuilder().initSimple({
      level: f.severity === 'error' ? 'error' : 'warning',
      messageText: text,
      ruleId: f.code,
      fileUri: ctx.artifact,
      startLine: 1,
    });
    result.result.partialFingerprints = { [FINGERPRINT_KEY]: fingerprints[i] ?? '' };
    run.addResult(result);
  }
  const builder = new SarifBuilder();
  builder.addRun(run);
  return builder.buildSarifJsonString({ indent: true });
}

/** A finding code as a SARIF rule: what it means, why it matters, how to fix it, and its docs section. */
function rule(code: GateFindingCode): ReportingDescriptor {
  const { step, title } = GATE_FINDING_CODES[code];
  const { why, fix } = GATE_CODE_ADVICE[code];
  const helpUri = findingHelpUrl(code);
  return {
    id: code,
    name: code,
    shortDescription: { text: title },
    fullDescription: { text: `wpack verify, ${step} step: ${title}` },
    help: {
      text: `Why it matters: ${why}. How to fix it: ${fix}. ${helpUri}`,
      markdown: `**Why it matters:** ${why}.\n\n**How to fix it:** ${fix}.\n\n[${code} in the wpack docs](${helpUri})`,
    },
    helpUri,
    properties: {
      tags: [...(SECURITY_STEPS.has(step) ? ['security'] : []), step],
      // The gate's checks are exact comparisons, not heuristics: a finding is never a guess.
      precision: 'very-high',
    },
  };
}

/**
 * One fingerprint per result. An alert is "the same" when the same check
 * (code and step) finds the same thing (the finding's subject: an entry, an
 * interface, a capability) in the same bundle (its manifest name, not the
 * version or digest, which change with every build) under the same policy
 * file. Messages are left out on purpose: they carry digests and byte counts
 * that change between builds while the problem stays. Findings alike in all
 * of that (a code without a subject reported twice) are told apart by their
 * order, which the gate keeps fixed.
 */
function fingerprintsOf(bundleName: string, policy: string, findings: GateFinding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const key = JSON.stringify([f.code, f.step, f.subject ?? '', bundleName, policy]);
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    return createHash('sha256').update(`${key}\0${String(nth)}`).digest('hex');
  });
}
