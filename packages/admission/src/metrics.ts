/**
 * Prometheus metrics of the admission server, with prom-client on a registry
 * of its own (nothing global): reviews by endpoint and verdict, gate latency,
 * cache hits, registry errors, pulls.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { VerdictEvents, VerdictKind } from './verdicts.js';

export interface AdmissionMetrics {
  registry: Registry;
  events: VerdictEvents;
  review(endpoint: 'validate' | 'externaldata', verdict: 'allowed' | 'denied' | 'skipped' | 'bad-request'): void;
  reviewSeconds(endpoint: 'validate' | 'externaldata', seconds: number): void;
}

export function admissionMetrics(): AdmissionMetrics {
  const registry = new Registry();
  const reviews = new Counter({
    name: 'wpack_admission_reviews_total',
    help: 'Reviews answered, by endpoint and verdict (skipped: no pod, or a runtime class not checked)',
    labelNames: ['endpoint', 'verdict'] as const,
    registers: [registry],
  });
  const reviewLatency = new Histogram({
    name: 'wpack_admission_review_seconds',
    help: 'Time to answer a review, by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const gates = new Histogram({
    name: 'wpack_admission_gate_seconds',
    help: 'Pull and gate of one image (cache misses only), by verdict',
    labelNames: ['verdict'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const hits = new Counter({ name: 'wpack_admission_cache_hits_total', help: 'Image verdicts served from the cache', registers: [registry] });
  const registryErrors = new Counter({ name: 'wpack_admission_registry_errors_total', help: 'Registry failures (each denied the image: fail closed)', registers: [registry] });
  return {
    registry,
    events: {
      gated: (ms: number, verdict: VerdictKind) => gates.observe({ verdict }, ms / 1000),
      cacheHit: () => hits.inc(),
      registryError: () => registryErrors.inc(),
    },
    review: (endpoint, verdict) => reviews.inc({ endpoint, verdict }),
    reviewSeconds: (endpoint, seconds) => reviewLatency.observe({ endpoint }, seconds),
  };
}
