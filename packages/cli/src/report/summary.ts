/**
 * The GitHub Actions job summary of a gate run: Markdown appended to the file
 * GITHUB_STEP_SUMMARY names, shown on the run's summary page. The verdict,
 * what was verified (digests, signers), and every finding in a table, errors
 * first.
 */
import { appendFile } from 'node:fs/promises';
import { describeSigner } from '@wpack/signatures';
import type { GateReport, Severity } from '@wpack/verifier';

export interface SummaryContext {
  /** What was verified: a file path, or `reference@digest`. */
  label: string;
  policy: string;
  /** For a registry reference: the manifest digest verified, to deploy by. */
  ociDigest?: string | undefined;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Text for a Markdown table cell: `|` would end the cell and a line break the
 * row; `<`, `>` and `&` would be read as HTML. Backticks stay: a message's
 * `wpack sign` reads as code, as it should.
 */
export function markdownCell(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** A value in a code span, which ends at a backtick: none is expected in a digest or a path, but one is replaced all the same. */
const code = (text: string): string => `\`${markdownCell(text).replaceAll('`', "'")}\``;

export function renderSummary(report: GateReport, ctx: SummaryContext): string {
  const verdict = report.verified ? '✅ verified' : '❌ denied';
  const mode = report.enforced ? 'enforced' : 'mode: warn, not enforced';
  const rows: [string, string][] = [
    ['Bundle', code(ctx.label)],
    ['Name', markdownCell(`${report.name} ${report.version}`)],
    ['Policy', code(ctx.policy)],
    ['Bundle digest', code(report.digest)],
    ...(ctx.ociDigest !== undefined ? [['OCI digest', code(ctx.ociDigest)] as [string, string]] : []),
    ['Signers', report.signers.length > 0 ? report.signers.map((s) => markdownCell(describeSigner(s))).join('<br>') : 'none'],
  ];
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  // A stable sort: within a severity the gate's own order (its steps in turn).
  const findings = [...report.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  return [
    '',
    `### wpack verify: ${verdict} (${mode})`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `${String(errors)} error${errors === 1 ? '' : 's'}, ${String(warnings)} warning${warnings === 1 ? '' : 's'}`,
    '',
    '| Step | Code | Severity | Message |',
    '|---|---|---|---|',
    ...findings.map((f) => `| ${f.step} | \`${f.code}\` | ${f.severity} | ${markdownCell(f.message)} |`),
    '',
  ].join('\n');
}

/** Appends the summary when running in GitHub Actions (GITHUB_STEP_SUMMARY names a file); otherwise does nothing. */
export async function appendJobSummary(report: GateReport, ctx: SummaryContext): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return;
  await appendFile(file, renderSummary(report, ctx));
}
