/**
 * GitHub Actions workflow commands (`::error` / `::warning`), printed when
 * GITHUB_ACTIONS=true so each finding shows as an annotation on the run.
 * Escaping follows the runner's rules: data escapes %, CR and LF; property
 * values also escape `:` and `,`.
 */
import type { GateReport } from '@wpack/verifier';

function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

export function githubAnnotations(report: GateReport, file?: string): string[] {
  const out: string[] = [];
  for (const f of report.findings) {
    if (f.severity === 'info') continue;
    const command = f.severity === 'error' && report.enforced ? 'error' : 'warning';
    const props = [`title=${escapeProperty(`wpack ${f.step}: ${f.code}`)}`, ...(file !== undefined ? [`file=${escapeProperty(file)}`] : [])];
    const text = [f.message, f.why && `Why: ${f.why}`, f.fix && `Fix: ${f.fix}`].filter(Boolean).join('. ');
    out.push(`::${command} ${props.join(',')}::${escapeData(text)}`);
  }
  return out;
}
