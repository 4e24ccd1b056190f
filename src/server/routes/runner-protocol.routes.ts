import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { BUILD_STATES } from '../../domain/build.ts';
import { AppError } from '../../domain/errors.ts';
import {
  MAX_TEST_COUNT,
  MAX_TEST_DURATION_MS,
  TEST_LIMITS,
  TEST_STATUSES,
} from '../../domain/test-report.ts';
import { LAST_COMMIT_TIME } from '../../domain/time.ts';
import type { Engine } from '../../engine/engine.ts';
import {
  ARTIFACT_NAME_HEADER,
  ARTIFACT_SHA256_HEADER,
  ARTIFACT_SIZE_HEADER,
  LOG_SIZE_HEADER,
  MAX_WAIT_MS,
  RUNNER_PATHS,
} from '../../protocol/runner-http.ts';
import {
  ArtifactGapError,
  ArtifactRefusedError,
  type ArtifactDownload,
  LeaseLostError,
  LogCapError,
  LogGapError,
} from '../../protocol/runner-protocol.ts';
import { bodyTooLarge, sendError } from '../http-errors.ts';

const RecordParams = Type.Object({ record_id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });

/** A runner's arch (process.arch) or pool. */
const Place = Type.String({ minLength: 1, maxLength: 64 });

/** POST next: how long the runner is willing to wait for a build, and where it is (arch, pool). */
const NextBody = Type.Object({
  wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS })),
  arch: Type.Optional(Place),
  pool: Type.Optional(Place),
});

/** POST requeue: what the build needs of a runner, and why this one cannot (protocol RequeueRequest). */
const RequeueBody = Type.Object({
  arch: Type.Optional(Place),
  pool: Type.Optional(Place),
  reason: Type.String({ maxLength: 2048 }),
});

/**
 * Most a log offset of the runner's is: far past any log's cap (KILN_LOG_MAX_BYTES), and a number
 * the store's bigint columns and a JavaScript number hold exactly. The numbers below are bounded
 * as the runner bounds them: larger ones failed the store (a 500 on PostgreSQL) or were kept and
 * broke the views that read them.
 */
const MAX_LOG_OFFSET = 2 ** 47;
/** A count of a step's report (tests, covered lines), as the runner bounds it. */
const Count = Type.Integer({ minimum: 0, maximum: MAX_TEST_COUNT });

/** POST started: the checkout (protocol CheckoutInfo). */
const StartedBody = Type.Object({
  commitId: Type.String({ maxLength: 64 }),
  // Epoch ms up to year 9999: a build with a time no Date holds could never be shown or ended.
  commitTime: Type.Union([Type.Integer({ minimum: 0, maximum: LAST_COMMIT_TIME }), Type.Null()]),
  commitMessage: Type.String({ maxLength: 4096 }),
  commitAuthor: Type.Optional(Type.String({ maxLength: 256 })),
  branch: Type.String({ maxLength: 255 }),
  stages: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String({ maxLength: 256 }), moduleId: Type.String({ maxLength: 256 }) }),
      {
        maxItems: 100,
      },
    ),
  ),
  script: Type.Optional(
    Type.Object({ path: Type.String({ maxLength: 1024 }), text: Type.String({ maxLength: 262_144 }) }),
  ),
  fileParameters: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String({ maxLength: 128 }), value: Type.String({ maxLength: 65_536 }) }),
      { maxItems: 200 },
    ),
  ),
  flow: Type.Optional(
    Type.Object({
      strategy: Type.Enum(['eager', 'lazy']),
      jobs: Type.Array(
        Type.Object({
          name: Type.String({ minLength: 1, maxLength: 64 }),
          dependsOn: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }),
          buildRef: Type.String({ minLength: 1, maxLength: 1024 }),
          params: Type.Array(
            Type.Object({ name: Type.String({ maxLength: 128 }), value: Type.String({ maxLength: 65_536 }) }),
            { maxItems: 200 },
          ),
        }),
        { minItems: 1, maxItems: 100 },
      ),
    }),
  ),
});

/** POST steps: a step started or ended (protocol StepReport). */
const StepBody = Type.Object({
  index: Type.Integer({ minimum: 0, maximum: 1000 }),
  status: Type.Enum(['running', 'success', 'error']),
  logOffset: Type.Integer({ minimum: 0, maximum: MAX_LOG_OFFSET }),
  tests: Type.Optional(
    Type.Object({
      tests: Type.Integer({ minimum: 0, maximum: 2147483647 }),
      failures: Type.Integer({ minimum: 0, maximum: 2147483647 }),
      errors: Type.Integer({ minimum: 0, maximum: 2147483647 }),
      skipped: Type.Integer({ minimum: 0, maximum: 2147483647 }),
    }),
  ),
  cases: Type.Optional(
    Type.Array(
      Type.Object({
        suite: Type.String({ maxLength: TEST_LIMITS.name }),
        className: Type.String({ maxLength: TEST_LIMITS.name }),
        name: Type.String({ maxLength: TEST_LIMITS.name }),
        status: Type.Enum([...TEST_STATUSES]),
        durationMs: Type.Integer({ minimum: 0, maximum: MAX_TEST_DURATION_MS }),
        message: Type.String({ maxLength: TEST_LIMITS.message }),
        detail: Type.String({ maxLength: TEST_LIMITS.detail }),
      }),
      { maxItems: TEST_LIMITS.cases },
    ),
  ),
  coverage: Type.Optional(
    Type.Object({
      format: Type.Enum(['jacoco', 'cobertura']),
      linesCovered: Count,
      linesTotal: Count,
      branchesCovered: Count,
      branchesTotal: Count,
    }),
  ),
});

/** PUT log: where the chunk in the body starts. */
const LogQuery = Type.Object({ offset: Type.Integer({ minimum: 0, 'x-kiln-int': true }) });

/** PUT artifacts: which artifact, its whole size, and where the bytes in the body start. */
const ArtifactQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  version: Type.String({ maxLength: 255 }),
  size: Type.Integer({ minimum: 0, 'x-kiln-int': true }),
  offset: Type.Integer({ minimum: 0, 'x-kiln-int': true }),
});

/** POST artifacts/direct: the artifact a runner would send straight to the object store. */
const DirectArtifactBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  version: Type.String({ maxLength: 255 }),
  size: Type.Integer({ minimum: 0 }),
});

/** POST artifacts/direct/commit: the artifact sent, the object it went to and its sha256. */
const DirectArtifactDone = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  version: Type.String({ maxLength: 255 }),
  size: Type.Integer({ minimum: 0 }),
  key: Type.String({ minLength: 1, maxLength: 128 }),
  sha256: Type.String({ minLength: 64, maxLength: 64 }),
});

/** An artifact or a file for a runner: its bytes, with the size, name and sha256 it checks them by. */
function sendDownload(reply: FastifyReply, found: ArtifactDownload): FastifyReply {
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', String(found.size))
    .header(ARTIFACT_SIZE_HEADER, String(found.size))
    .header(ARTIFACT_NAME_HEADER, encodeURIComponent(found.name))
    .header(ARTIFACT_SHA256_HEADER, found.sha256)
    .send(Readable.from(found.body));
}

/** GET file: the download_file step's file name. */
const FileQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

/** GET artifact: the download_artifact step's url. */
const FetchQuery = Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048 }) });

/** POST announce: the runner's machine and tools (protocol RunnerInfo). */
const AnnounceBody = Type.Object({
  host: Type.String({ maxLength: 255 }),
  tools: Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 64 }), { maxProperties: 100 }),
  arch: Type.Optional(Place),
  pool: Type.Optional(Place),
});

/** POST done: the outcome (protocol BuildResult). */
const DoneBody = Type.Object({ state: Type.Enum(BUILD_STATES) });

const fastifyPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');
const config = { auth: 'runner' as const, errorStyle: 'codearts' as const };
/** The routes whose body is bytes, read as they arrive (a log chunk, an artifact). */
const streamed = { ...config, consumes: 'application/octet-stream' };
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
  if (error instanceof ArtifactGapError) {
    reply.header(ARTIFACT_SIZE_HEADER, String(error.expectedOffset));
    return new AppError('LOG_RANGE', error.message);
  }
  if (error instanceof ArtifactRefusedError) return new AppError('INVALID_PARAM', error.message);
  return error;
}

/**
 * The body of a log PUT (a stream: the content-type parser hands octet-streams over unread). One
 * over the limit is refused with the connection closed after the answer: the rest of its body is
 * still on the connection, and a kept-alive connection would read it as the next request.
 */
async function readChunk(request: FastifyRequest, reply: FastifyReply): Promise<Buffer> {
  const stream: unknown = request.body;
  if (!isByteStream(stream)) return Buffer.alloc(0);
  const tooLarge = () => {
    reply.header('connection', 'close');
    return new AppError('PAYLOAD_TOO_LARGE', `log chunks are at most ${MAX_CHUNK} bytes`);
  };
  if (Number(request.headers['content-length'] ?? 0) > MAX_CHUNK) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    size += part.length;
    if (size > MAX_CHUNK) throw tooLarge();
    parts.push(part);
  }
  return Buffer.concat(parts);
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

function isByteStream(value: unknown): value is AsyncIterable<Buffer> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** The runner the preValidation hook authenticated (routes with `auth: 'runner'` always have one). */
function runnerOf(request: FastifyRequest): string {
  if (request.runnerId === null) throw new AppError('UNAUTHENTICATED', 'runner token not found');
  return request.runnerId;
}

/**
 * The runner protocol's HTTP routes (protocol/runner-http.ts), for remote runners: a plugin of its
 * own, its bodies validated against the schemas above (a malformed request gets a 400 naming the
 * field) and typed from them by the TypeBox type provider.
 */
export const runnerProtocolRoutes: FastifyPluginAsyncTypebox<{ engine: Engine }> = async (
  app,
  { engine },
) => {
  const { dispatch } = engine;
  app.setErrorHandler((error, request, reply) =>
    sendError(bodyTooLarge(error, request) ?? protocolError(error, reply), request, reply, 'codearts'),
  );
  const tags = ['internal'];
  // A server that is stopping hands out no more builds (their runners could not report to it) and
  // answers the runners waiting for work at once, instead of holding its shutdown for their waits.
  // (A set of the waits rather than AbortSignal.any with one server-long signal: that keeps every
  // request's combined signal for the server's life, nodejs/node#55351.)
  let closing = false;
  const waits = new Set<AbortController>();
  app.addHook('preClose', async () => {
    closing = true;
    for (const wait of waits) wait.abort();
  });

  app.post(RUNNER_PATHS.next, { config, schema: { tags, body: NextBody } }, async (request, reply) => {
    if (closing) return reply.code(204).send();
    // A runner that hangs up stops waiting at once, so its build is not handed to a dead socket.
    const wait = new AbortController();
    reply.raw.once('close', () => wait.abort());
    waits.add(wait);
    try {
      const runner = runnerOf(request);
      const { wait_ms: waitMs, arch, pool } = request.body;
      const place = { ...(arch !== undefined && { arch }), ...(pool !== undefined && { pool }) };
      const lease = await dispatch.next(runner, wait.signal, waitMs ?? MAX_WAIT_MS, place);
      if (!lease) return reply.code(204).send();
      if (wait.signal.aborted) {
        await dispatch.release(runner, lease.recordId);
        return reply.code(204).send();
      }
      return lease;
    } finally {
      waits.delete(wait);
    }
  });
  app.post(
    fastifyPath(RUNNER_PATHS.extend),
    { config, schema: { tags, params: RecordParams } },
    async (request) => dispatch.extend(runnerOf(request), request.params.record_id),
  );
  app.post(
    fastifyPath(RUNNER_PATHS.started),
    { config, schema: { tags, params: RecordParams, body: StartedBody } },
    async (request) => {
      await dispatch.started(runnerOf(request), request.params.record_id, request.body);
      return { status: 'success' };
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.steps),
    { config, schema: { tags, params: RecordParams, body: StepBody } },
    async (request) => {
      await dispatch.step(runnerOf(request), request.params.record_id, request.body);
      return { status: 'success' };
    },
  );
  app.put(
    fastifyPath(RUNNER_PATHS.log),
    { config: streamed, schema: { tags, params: RecordParams, querystring: LogQuery } },
    async (request, reply) => {
      const data = await readChunk(request, reply);
      const chunk = { offset: request.query.offset, data };
      return { size: await dispatch.log(runnerOf(request), request.params.record_id, chunk) };
    },
  );
  app.put(
    fastifyPath(RUNNER_PATHS.artifacts),
    { config: streamed, schema: { tags, params: RecordParams, querystring: ArtifactQuery } },
    async (request) => {
      const stream: unknown = request.body;
      const body = isByteStream(stream) ? stream : emptyBody();
      return engine.artifacts.upload(runnerOf(request), request.params.record_id, { ...request.query, body });
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.directArtifact),
    { config, schema: { tags, params: RecordParams, body: DirectArtifactBody } },
    async (request, reply) => {
      const target = await engine.artifacts.directTarget(
        runnerOf(request),
        request.params.record_id,
        request.body,
      );
      return target ?? reply.code(204).send();
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.commitDirectArtifact),
    { config, schema: { tags, params: RecordParams, body: DirectArtifactDone } },
    async (request) =>
      engine.artifacts.commitDirect(runnerOf(request), request.params.record_id, request.body),
  );
  app.get(
    fastifyPath(RUNNER_PATHS.artifact),
    { config, schema: { tags, params: RecordParams, querystring: FetchQuery } },
    async (request, reply) => {
      const found = await engine.artifacts.fetchForBuild(
        runnerOf(request),
        request.params.record_id,
        request.query.url,
      );
      return sendDownload(reply, found);
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.directFetchArtifact),
    { config, schema: { tags, params: RecordParams, body: FetchQuery } },
    async (request, reply) => {
      const source = await engine.artifacts.directFetchForBuild(
        runnerOf(request),
        request.params.record_id,
        request.body.url,
      );
      return source ?? reply.code(204).send();
    },
  );
  app.get(
    fastifyPath(RUNNER_PATHS.file),
    { config, schema: { tags, params: RecordParams, querystring: FileQuery } },
    async (request, reply) => {
      const found = await engine.keystores.fetchForBuild(
        runnerOf(request),
        request.params.record_id,
        request.query.name,
      );
      return sendDownload(reply.header('cache-control', 'no-store'), found);
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.done),
    { config, schema: { tags, params: RecordParams, body: DoneBody } },
    async (request) => {
      await dispatch.done(runnerOf(request), request.params.record_id, request.body);
      return { status: 'success' };
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.requeue),
    { config, schema: { tags, params: RecordParams, body: RequeueBody } },
    async (request) => {
      await dispatch.requeue(runnerOf(request), request.params.record_id, request.body);
      return { status: 'success' };
    },
  );
  app.post(
    fastifyPath(RUNNER_PATHS.release),
    { config, schema: { tags, params: RecordParams } },
    async (request) => {
      await dispatch.release(runnerOf(request), request.params.record_id);
      return { status: 'success' };
    },
  );
  app.post(RUNNER_PATHS.announce, { config, schema: { tags, body: AnnounceBody } }, async (request) => {
    await dispatch.announce(runnerOf(request), request.body);
    return { status: 'success' };
  });
};
