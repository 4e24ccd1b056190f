import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, KeystoneErrorBody } from '../contract/common.ts';
import { operations, type OperationSpec } from '../contract/operations.ts';

/** OpenAPI metadata of Kiln's API. */
const INFO = {
  title: 'Kiln',
  description:
    'A self-hosted build service that speaks the Huawei CodeArts Build API. CodeArts operations keep ' +
    "their official paths, envelopes and field types; operations under /v1/kiln are Kiln's own. " +
    'Authenticate with X-Auth-Token (POST /v3/auth/tokens) or an SDK-HMAC-SHA256 (AK/SK) signature.',
  version: '1',
};

type OpenApiOperation = {
  security?: unknown[];
  responses?: Record<string, unknown>;
  requestBody?: unknown;
  description?: string;
};
type OpenApiDocument = { paths?: Record<string, Record<string, OpenApiOperation>> } & Record<string, unknown>;

const ERROR_RESPONSE = {
  description: 'Error: `{"error_code", "error_msg"}` (docs/errors.md)',
  content: { 'application/json': { schema: ErrorBody } },
};
const KEYSTONE_ERROR_RESPONSE = {
  description: 'Error in Keystone\'s shape: `{"error": {"code", "message", "title"}}`',
  content: { 'application/json': { schema: KeystoneErrorBody } },
};

/**
 * What the route schemas cannot say, added from the route table: public operations need no
 * credentials, file downloads and empty answers have responses, errors have their body, and the
 * import takes NDJSON.
 */
function completeOperations(doc: OpenApiDocument): OpenApiDocument {
  for (const spec of Object.values(operations) as OperationSpec[]) {
    const op = doc.paths?.[spec.path]?.[spec.method.toLowerCase()];
    if (!op) continue;
    if (spec.auth === 'none') op.security = [];
    const responses = (op.responses ??= {});
    for (const [status, schema] of Object.entries(spec.response)) {
      if (schema !== null || responses[status]) continue;
      responses[status] =
        spec.produces === 'application/octet-stream'
          ? {
              description: 'The file',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            }
          : spec.produces === 'image/svg+xml' && status === '200'
            ? { description: 'The badge', content: { 'image/svg+xml': { schema: { type: 'string' } } } }
            : spec.produces === 'image/svg+xml'
              ? { description: 'Not modified (If-None-Match matched the ETag)' }
              : { description: 'No content' };
    }
    responses.default = spec.errorStyle === 'keystone' ? KEYSTONE_ERROR_RESPONSE : ERROR_RESPONSE;
    if (spec.consumes === 'multipart/form-data') {
      op.requestBody = {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['file', 'privacy'],
              properties: {
                file: { type: 'string', format: 'binary' },
                privacy: { type: 'string', enum: ['public', 'private'] },
                description: { type: 'string' },
              },
            },
          },
        },
      };
    }
    if (spec.consumes === 'application/x-ndjson') {
      op.requestBody = {
        required: true,
        description: 'One BuildInfoRecord (as the records API returns it) per line; read as it arrives',
        content: { 'application/x-ndjson': { schema: { type: 'string' } } },
      };
    }
  }
  return doc;
}

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
    transformObject: (document) =>
      completeOperations(('openapiObject' in document ? document.openapiObject : {}) as OpenApiDocument),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
}
