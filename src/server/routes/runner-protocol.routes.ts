import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { BUILD_STATES } from '../../domain/build.ts';
import { AppError } from '../../domain/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import { LOG_SIZE_HEADER, MAX_WAIT_MS, RUNNER_PATHS } from '../../protocol/runner-http.ts';
import { LeaseLostError, LogCapError, LogGapError } from '../../protocol/runner-protocol.ts';

const RecordParams = Type.Object({ record_id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const fastifyPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');
const config = { auth: 'runner' as const, errorStyle: 'codearts' as const };
/** Largest log chunk a runner may send in one request. */
const MAX_CHUNK = 4 * 1024 * 1024;

/** Protocol errors become the answers the remote peer understands (410, 416, 413 CB.00060215). */
function protocolError(error: unknown, reply: FastifyReply): unknown {
  if (error instanceof LeaseLostError) return new AppError('LEASE_LOST', error.message);
  if (error instanceof LogCapError) return new AppError('LOG_CAPPED', error.message);
  if (error instanceof LogGapError) {
    reply.header(LOG_SIZE_HEADER, String(error.expectedOffset));
    return new AppError('LOG_RANGE', error.message);
  }
  return error;
}

async function readBody(request: FastifyRequest): Promise<Buffer> {
  const stream = request.body as AsyncIterable<Buffer> | undefined;
  if (!stream || typeof stream[Symbol.asyncIterator] !== 'function') return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    size += part.length;
    if (size > MAX_CHUNK)
      throw new AppError('PAYLOAD_TOO_LARGE', `log chunks are at most ${MAX_CHUNK} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** The runner protocol's HTTP routes (protocol/runner-http.ts), for remote runners. */
export function registerRunnerProtocol(app: FastifyInstance, engine: Engine): void {
  const { dispatch } = engine;
  const runnerOf = (request: FastifyRequest) => request.runnerId as string;
  const guarded =
    <T>(fn: (request: FastifyRequest, reply: FastifyReply) => Promise<T>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(request, reply);
      } catch (error) {
        throw protocolError(error, reply);
      }
    };

  app.post(
    RUNNER_PATHS.next,
    {
      config,
      schema: {
        tags: ['internal'],
        body: Type.Object({ wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS })) }),
      },
    },
    async (request, reply) => {
      // A runner that hangs up stops waiting at once, so its build is not handed to a dead socket.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const wait = (request.body as { wait_ms?: number } | undefined)?.wait_ms ?? MAX_WAIT_MS;
      const lease = await dispatch.next(runnerOf(request), gone.signal, wait);
      if (!lease) return reply.code(204).send();
      if (gone.signal.aborted) {
        await dispatch.release(runnerOf(request), lease);
        return reply.code(204).send();
      }
      const { seq: _seq, ...wire } = lease;
      return wire;
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.extend),
    { config, schema: { tags: ['internal'], params: RecordParams } },
    guarded(async (request) =>
      dispatch.extend(runnerOf(request), (request.params as { record_id: string }).record_id),
    ),
  );
  app.post(
    fastifyPath(RUNNER_PATHS.started),
    {
      config,
      schema: {
        tags: ['internal'],
        params: RecordParams,
        body: Type.Object({
          commitId: Type.String({ maxLength: 64 }),
          commitTime: Type.Union([Type.Integer(), Type.Null()]),
          commitMessage: Type.String({ maxLength: 4096 }),
          branch: Type.String({ maxLength: 255 }),
        }),
      },
    },
    guarded(async (request) => {
      const body = request.body as {
        commitId: string;
        commitTime: number | null;
        commitMessage: string;
        branch: string;
      };
      await dispatch.started(runnerOf(request), (request.params as { record_id: string }).record_id, body);
      return { status: 'success' };
    }),
  );
  app.post(
    fastifyPath(RUNNER_PATHS.steps),
    {
      config,
      schema: {
        tags: ['internal'],
        params: RecordParams,
        body: Type.Object({
          index: Type.Integer({ minimum: 0, maximum: 1000 }),
          status: Type.Union([Type.Literal('running'), Type.Literal('success'), Type.Literal('error')]),
          logOffset: Type.Integer({ minimum: 0 }),
        }),
      },
    },
    guarded(async (request) => {
      const body = request.body as {
        index: number;
        status: 'running' | 'success' | 'error';
        logOffset: number;
      };
      await dispatch.step(runnerOf(request), (request.params as { record_id: string }).record_id, body);
      return { status: 'success' };
    }),
  );
  app.put(
    fastifyPath(RUNNER_PATHS.log),
    {
      config,
      schema: {
        tags: ['internal'],
        params: RecordParams,
        querystring: Type.Object({ offset: Type.Integer({ minimum: 0, 'x-kiln-int': true }) }),
      },
    },
    guarded(async (request) => {
      const data = await readBody(request);
      const offset = (request.query as { offset: number }).offset;
      return {
        size: await dispatch.log(runnerOf(request), (request.params as { record_id: string }).record_id, {
          offset,
          data,
        }),
      };
    }),
  );
  app.post(
    fastifyPath(RUNNER_PATHS.done),
    {
      config,
      schema: {
        tags: ['internal'],
        params: RecordParams,
        body: Type.Object({ state: Type.Union(BUILD_STATES.map((s) => Type.Literal(s))) }),
      },
    },
    guarded(async (request) => {
      const body = request.body as { state: (typeof BUILD_STATES)[number] };
      await dispatch.done(runnerOf(request), (request.params as { record_id: string }).record_id, body);
      return { status: 'success' };
    }),
  );
}
