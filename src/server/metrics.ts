import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, in a registry of its own (several apps can live in one test process). */
export interface Metrics {
  registry: Registry;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  buildsFinished: Counter<'state'>;
  buildsActive: Gauge<'status'>;
  /** Sets where the active-builds gauge reads its counts at scrape time. */
  watchActiveBuilds(source: () => Promise<Record<string, number>>): void;
}

/** Creates the registry. `activeBuilds` is asked at scrape time for queued/running counts. */
export function createMetrics(activeBuilds?: () => Promise<Record<string, number>>): Metrics {
  let source = activeBuilds;
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
    help: 'Builds not yet finished, by running status (whole database)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!source) return;
      this.reset();
      for (const [status, n] of Object.entries(await source())) this.set({ status }, n);
    },
  });
  return {
    registry,
    httpRequests,
    buildsFinished,
    buildsActive,
    watchActiveBuilds(s) {
      source = s;
    },
  };
}
