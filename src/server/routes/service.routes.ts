import type { FastifyInstance } from 'fastify';
import { SERVICE_PATHS } from '../../contract/operations.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Metrics } from '../metrics.ts';

/** Liveness, readiness and metrics: public, outside the CodeArts operations. */
export function registerServiceRoutes(
  app: FastifyInstance,
  deps: { engine: Engine; metrics: Metrics },
): void {
  app.get(SERVICE_PATHS.healthz, { config: { auth: 'none' }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get(SERVICE_PATHS.readyz, { config: { auth: 'none' }, schema: { hide: true } }, async () => {
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
