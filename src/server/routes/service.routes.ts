import type { FastifyInstance } from 'fastify';
import { SERVICE_PATHS } from '../../contract/operations.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Metrics } from '../metrics.ts';

/**
 * Liveness, readiness and metrics: public, outside the CodeArts operations. The probes are never
 * rate limited: a load balancer's health checks must not be answered 429 (and take the server out
 * of rotation) because clients behind the same address used up the limit.
 */
export function registerServiceRoutes(
  app: FastifyInstance,
  deps: { engine: Engine; metrics: Metrics },
): void {
  const probe = { config: { auth: 'none', rateLimit: false }, schema: { hide: true } } as const;
  app.get(SERVICE_PATHS.healthz, probe, async () => ({
    status: 'ok',
  }));
  app.get(SERVICE_PATHS.readyz, probe, async () => {
    await deps.engine.ping();
    return { status: 'ready' };
  });
  app.get(
    SERVICE_PATHS.metrics,
    { config: { auth: 'none' }, schema: { hide: true } },
    async (_request, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
}
