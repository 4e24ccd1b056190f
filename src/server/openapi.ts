import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** OpenAPI metadata of Kiln's API. */
const INFO = {
  title: 'Kiln',
  description:
    'A self-hosted build service that speaks the Huawei CodeArts Build API. CodeArts operations keep ' +
    "their official paths, envelopes and field types; operations under /v1/kiln are Kiln's own. " +
    'Authenticate with X-Auth-Token (POST /v3/auth/tokens) or an SDK-HMAC-SHA256 (AK/SK) signature.',
  version: '1',
};

/**
 * OpenAPI 3 generated from the route schemas (register before the routes), served at
 * /openapi.json with an API docs page at /docs. docs/openapi.json is a committed copy that a test
 * regenerates and compares.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: INFO,
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          aksk: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...',
          },
        },
      },
      security: [{ token: [] }, { aksk: [] }],
    },
    // Runner-protocol and service routes are internal; the document lists the API clients use.
    hiddenTag: 'internal',
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
}
