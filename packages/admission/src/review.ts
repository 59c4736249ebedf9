/**
 * Kubernetes `admission.k8s.io/v1` AdmissionReview (RUNTIME.md, "Admission"):
 * what a review asks, which images it names, and the answer.
 *
 * Pods are checked wherever the API server accepts a pod template: a Pod
 * itself, the `spec.template` of a Deployment, StatefulSet, DaemonSet,
 * ReplicaSet or Job, and the `spec.jobTemplate.spec.template` of a CronJob.
 * Every image of `containers`, `initContainers` and `ephemeralContainers` is
 * named. Other kinds carry no pod and are allowed untouched (the webhook's
 * rules should not send them).
 */
import { WpackError } from '@wpack/core';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface ReviewRequest {
  uid: string;
  kind: string;
  namespace: string;
  name: string;
  operation: string;
  object: unknown;
  /** The object before an UPDATE; null otherwise. */
  oldObject: unknown;
}

/** A malformed review: the server answers 400 and logs one line. */
export class BadReview extends WpackError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'BadReview';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads an AdmissionReview body; anything that is not one is a BadReview. */
export function parseReview(body: unknown): ReviewRequest {
  if (!isObject(body)) throw new BadReview('the body is not a JSON object');
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== 'AdmissionReview') {
    throw new BadReview(`expected apiVersion ${ADMISSION_API_VERSION}, kind AdmissionReview; got ${JSON.stringify(body.apiVersion)}, ${JSON.stringify(body.kind)}`);
  }
  const request = body.request;
  if (!isObject(request)) throw new BadReview('the AdmissionReview has no request');
  if (typeof request.uid !== 'string' || request.uid === '') throw new BadReview('request.uid is missing');
  const kind = isObject(request.kind) && typeof request.kind.kind === 'string' ? request.kind.kind : '';
  return {
    uid: request.uid,
    kind,
    namespace: typeof request.namespace === 'string' ? request.namespace : '',
    name: typeof request.name === 'string' ? request.name : isObject(request.object) && isObject(request.object.metadata) && typeof request.object.metadata.name === 'string' ? request.object.metadata.name : '',
    operation: typeof request.operation === 'string' ? request.operation : '',
    object: request.object,
    oldObject: request.oldObject ?? null,
  };
}

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const CHECKED_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

export interface PodImages {
  /** Distinct images, in the order they appear. */
  images: string[];
  runtimeClassName: string | undefined;
}

/**
 * The pod spec of a reviewed object and its images; undefined for a kind that
 * has none. A checked kind without a readable pod spec is a BadReview.
 */
export function podImages(kind: string, object: unknown): PodImages | undefined {
  const path = POD_SPEC_PATHS[kind];
  if (path === undefined) return undefined;
  let spec: unknown = object;
  for (const key of path) spec = isObject(spec) ? spec[key] : undefined;
  if (!isObject(spec)) throw new BadReview(`the ${kind} has no pod spec at ${path.join('.')}`);
  const images: string[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new BadReview(`${path.join('.')}.${field} is not a list`);
    for (const [i, c] of list.entries()) {
      const image = isObject(c) ? c.image : undefined;
      if (typeof image !== 'string' || image === '') throw new BadReview(`${path.join('.')}.${field}[${String(i)}] has no image`);
      if (!images.includes(image)) images.push(image);
    }
  }
  const runtimeClassName = typeof spec.runtimeClassName === 'string' ? spec.runtimeClassName : undefined;
  return { images, runtimeClassName };
}

export interface ReviewAnswer {
  allowed: boolean;
  /** For a denial: what failed, per image. */
  message?: string;
  warnings?: string[];
}

/** The AdmissionReview the API server expects back, echoing the request's uid. */
export function reviewResponse(uid: string, answer: ReviewAnswer): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: answer.allowed };
  if (!answer.allowed) response.status = { code: 403, reason: 'Forbidden', message: answer.message ?? 'denied by wpack' };
  if (answer.warnings !== undefined && answer.warnings.length > 0) response.warnings = answer.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
