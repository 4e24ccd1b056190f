import { MAX_FILE_BYTES } from '../domain/keystore.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PartOf as Part, ResponseOf } from '../contract/operation-types.ts';
import { operations, type OperationId, type OperationSpec } from '../contract/operations.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';

export type { ResponseOf } from '../contract/operation-types.ts';

/** What a handler gets: the validated request parts, the caller, and the raw request/reply for the rare extra. */
export interface OpContext<K extends OperationId> {
  params: Part<K, 'params'>;
  query: Part<K, 'query'>;
  body: Part<K, 'body'>;
  headers: Part<K, 'headers'>;
  /** The authenticated caller (throws on public routes, which have none). */
  readonly caller: Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * A handler: parse is done by the schemas, so it calls the engine and maps the answer. A handler
 * that sends the answer itself (a file stream, a body serialised earlier) returns the reply.
 */
export type OpHandler<K extends OperationId> = (ctx: OpContext<K>) => Promise<ResponseOf<K> | FastifyReply>;

/** Handlers for every operation of the route table. */
export type Handlers = { [K in OperationId]: OpHandler<K> };

function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function successStatus(spec: OperationSpec): number {
  return Number(Object.keys(spec.response)[0]);
}

/** What a form holds besides its file: its boundaries, headers and few fields. */
export const FORM_ROOM = 64 * 1024;

/** Registers every operation of the contract with its handler, schemas and route config. */
export function registerOperations(
  app: FastifyInstance,
  handlers: Handlers,
  limits: { fileBytes: number } = { fileBytes: MAX_FILE_BYTES },
): void {
  for (const [id, spec] of Object.entries(operations) as [OperationId, OperationSpec][]) {
    const handler = handlers[id] as unknown as OpHandler<OperationId>;
    const status = successStatus(spec);
    app.route({
      method: spec.method,
      url: fastifyPath(spec.path),
      schema: {
        operationId: id,
        summary: spec.summary,
        tags: [spec.tag],
        ...(spec.params && { params: spec.params }),
        ...(spec.query && { querystring: spec.query }),
        ...(spec.body && { body: spec.body }),
        ...(spec.headers && { headers: spec.headers }),
        response: Object.fromEntries(Object.entries(spec.response).filter(([, schema]) => schema !== null)),
      },
      config: {
        operationId: id,
        auth: spec.auth,
        errorStyle: spec.errorStyle ?? 'codearts',
        multipart: spec.consumes === 'multipart/form-data',
        ...(spec.consumes && { consumes: spec.consumes }),
      },
      // A form carries a whole file: the file manager's largest, and room for the form around it
      // (a larger body is not read: app.ts names both sizes in its 413).
      ...(spec.consumes === 'multipart/form-data' && { bodyLimit: limits.fileBytes + FORM_ROOM }),
      ...(spec.bodyBytes !== undefined && { bodyLimit: spec.bodyBytes }),
      async handler(request, reply) {
        const ctx: OpContext<OperationId> = {
          params: request.params as never,
          query: request.query as never,
          body: request.body as never,
          headers: request.headers as never,
          get caller(): Principal {
            if (!request.principal)
              throw new AppError('INTERNAL', `operation ${id} has no authenticated caller`);
            return request.principal;
          },
          request,
          reply,
        };
        const result = await handler(ctx);
        // A handler that sent the answer itself (a file stream) hands back the reply.
        if (reply.sent || result === reply) return reply;
        // The success status is the contract's, unless the handler chose another 2xx it declares.
        if (!(reply.statusCode in spec.response)) reply.code(status);
        return reply.statusCode === 204 ? reply.send() : result;
      },
    });
  }
}
