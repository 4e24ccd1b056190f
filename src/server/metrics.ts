import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../engine/engine.ts';

/** The server's Prometheus metrics, in a registry of its own (several apps can live in one test process). */
export interface Metrics {
  registry: Registry;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  buildsFinished: Counter<'state'>;
  buildsActive: Gauge<'status'>;
}

/**
 * Creates the registry. With `engine`, the builds' metrics follow it: the active-builds gauge asks
 * it at scrape time, and every build it ends counts.
 */
export function createMetrics(engine?: Pick<Engine, 'activeBuildCounts' | 'events'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kiln_' });
  const httpRequests = new Histogram({
    name: 'kiln_http_request_duration_seconds',
    help: 'HTTP requests by route and status, with their latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const buildsFinished = new Counter({
    name: 'kiln_builds_finished_total',
    help: 'Builds finished by this server, by final state',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const buildsActive = new Gauge({
    name: 'kiln_builds_active',
    help: 'Builds not yet finished: queued (no runner yet), starting (claimed), running (whole database)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!engine) return;
      this.reset();
      for (const [status, n] of Object.entries(await engine.activeBuildCounts())) this.set({ status }, n);
    },
  });
  engine?.events.onFinish((state) => buildsFinished.inc({ state }));
  return { registry, httpRequests, buildsFinished, buildsActive };
}
