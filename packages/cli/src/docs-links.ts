/**
 * Where wpack's documentation lives, said once: the `docs/` folder of the
 * repository named by this package's `homepage`, on the main branch.
 */
import { createRequire } from 'node:module';

const { homepage } = createRequire(import.meta.url)('../../package.json') as { homepage: string };

/** `https://github.com/<owner>/<repo>/blob/main/docs/`. */
export const DOCS_BASE_URL = `${homepage.replace(/\/$/, '')}/blob/main/docs/`;

/** The gate's page: its checks, its exit codes, and a section per finding code. */
export const GATE_DOCS_URL = `${DOCS_BASE_URL}gate.md`;

/**
 * The gate page's section on a finding code. docs/gate.md has one heading
 * "### `CODE`" per code; GitHub's anchor for it is the code in lower case.
 */
export function findingHelpUrl(code: string): string {
  return `${GATE_DOCS_URL}#${code.toLowerCase()}`;
}
