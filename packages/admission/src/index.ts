// Public surface of @wpack/admission: the gate as a Kubernetes validating
// admission webhook and an OPA Gatekeeper external data provider
// (RUNTIME.md, "Admission"). Curated: test/exports.test.ts pins this list.
export { admissionMetrics } from './metrics.js';
export type { AdmissionMetrics } from './metrics.js';
export { ADMISSION_API_VERSION, BadReview, CHECKED_KINDS, parseReview, podImages, reviewResponse } from './review.js';
export type { PodImages, ReviewAnswer, ReviewRequest } from './review.js';
export { EXTERNAL_DATA_API_VERSION, startAdmissionServer } from './server.js';
export type { AdmissionServer, AdmissionServerOptions } from './server.js';
export { ImageVerdicts } from './verdicts.js';
export type { ImageVerdict, VerdictEvents, VerdictKind, VerdictOptions } from './verdicts.js';
export { installObjects, policyConfig, renderYaml } from './manifests.js';
export type { InstallOptions, PolicyConfig } from './manifests.js';
export { exportPolicy, globToRegExp } from './export.js';
export type { ExportTarget, PolicyExport } from './export.js';
