// The wpack CLI is used through its binary; these exports exist for tests
// and for embedding commands in-process.
export { WpackCommand } from './base-command.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { default as Init } from './commands/init.js';
export { default as Bundle } from './commands/bundle.js';
export { default as Inspect } from './commands/inspect.js';
export type { BundleSummary, InspectResult } from './commands/inspect.js';
export type { ComponentSummary } from './component-summary.js';
export { default as Extract } from './commands/extract.js';
export { default as Keygen } from './commands/keygen.js';
export { default as Sign } from './commands/sign.js';
export { default as Verify } from './commands/verify.js';
export { DOCS_BASE_URL, GATE_DOCS_URL, findingHelpUrl } from './docs-links.js';
export { markdownCell } from './report/summary.js';
