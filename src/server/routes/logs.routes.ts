import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { invalidParam } from '../../domain/errors.ts';
import type { Principal } from '../../domain/identity.ts';
import { flag } from '../../domain/query-values.ts';
import { MAX_PAGE } from '../../engine/log-service.ts';
import { authenticateRequest } from '../auth/authenticate.ts';
import type { FastifyReply } from 'fastify';
import { logLevel, type LogLevel } from '../../domain/log-debug.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

function sendFile(
  reply: FastifyReply,
  name: string,
  body: AsyncGenerator<Uint8Array>,
  gzip = false,
): FastifyReply {
  const stream = Readable.from(body);
  return (
    reply
      .code(200)
      // Compressed too: the SDKs read a body as a stream only for octet-stream (and zip, images).
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${name}${gzip ? '.gz' : ''}"`)
      // pipeline, not pipe: a read that fails midway ends the compressed answer too.
      .send(gzip ? pipeline(stream, createGzip(), () => undefined) : stream)
  );
}

/** The smallest page: one character of UTF-8, so that every page holds a whole one and moves on. */
const MIN_PAGE = 4;

/** DownloadBuildRealTimeLog's `size`: a page's most bytes, MIN_PAGE to MAX_PAGE. */
function pageSize(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < MIN_PAGE || n > MAX_PAGE)
    throw invalidParam(`size must be ${MIN_PAGE} to ${MAX_PAGE} (bytes)`);
  return n;
}

/** Build logs: the live tail and the downloads. */
export function logHandlers(
  deps: RouteDeps,
): HandlerGroup<
  | 'downloadRealTimeLog'
  | 'downloadBuildLog'
  | 'downloadTaskLog'
  | 'showActionIInfo'
  | 'downloadBuildRealTimeLog'
  | 'downloadBuildFullLog'
  | 'downloadLogByRecordId'
> {
  const { logs } = deps.engine;
  const page = async (
    caller: Principal,
    jobId: string,
    buildNo: number,
    q: { start_offset?: number; end_offset?: number; sort?: string; stage?: string; size?: string },
  ) => {
    const found = await logs.page(caller, jobId, buildNo, {
      startOffset: q.start_offset ?? 0,
      endOffset: q.end_offset ?? 0,
      descending: q.sort?.toUpperCase() === 'DESC',
      stage: q.stage,
      pageBytes: q.size === undefined ? undefined : pageSize(q.size),
    });
    return ok({
      has_more: found.hasMore,
      start_offset: String(found.start),
      end_offset: String(found.end),
      log: Buffer.from(found.content).toString('utf8'),
      location: 'kiln',
    });
  };
  const whole = async (
    caller: Principal,
    recordId: string,
    reply: FastifyReply,
    level: LogLevel,
    gzip = false,
  ) => sendFile(reply, `${recordId}.log`, await logs.full(caller, recordId, level), gzip);
  return {
    async downloadRealTimeLog({ caller, params, query, request, reply }) {
      // A follower that hangs up ends its wait at once: no timer, listener or read outlives it.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const slice = await logs.realTime(
        caller,
        params.job_id,
        params.build_no,
        query.offset,
        query.length ?? 1_000_000,
        {
          ms: query.wait_ms ?? 0,
          signal: gone.signal,
          // The route's own rule (a project-scoped token), as when the request arrived.
          caller: () =>
            authenticateRequest(deps.engine, request, request.routeOptions.config.auth === 'project'),
        },
      );
      return ok({
        has_more_data: slice.hasMore,
        offset: slice.next,
        content: Buffer.from(slice.content).toString('utf8'),
        current_offset: slice.offset,
      });
    },
    showActionIInfo: ({ caller, query }) => page(caller, query.job_id, query.build_no, query),
    downloadBuildRealTimeLog: ({ caller, params, query }) =>
      page(caller, params.job_id, params.build_no, query),
    downloadBuildLog: ({ caller, params, query, reply }) =>
      whole(caller, params.record_id, reply, logLevel(query.log_level)),
    downloadLogByRecordId: ({ caller, params, reply }) => whole(caller, params.record_id, reply, 'INFO'),
    downloadBuildFullLog: ({ caller, params, query, reply }) =>
      whole(caller, params.record_id, reply, logLevel(query.log_level), flag('compress', query.compress)),
    async downloadTaskLog({ caller, params, query, reply }) {
      const safe = query.task_name.replace(/[^\w.-]+/g, '_').slice(0, 100);
      return sendFile(
        reply,
        `${params.record_id}-${safe}.log`,
        await logs.step(caller, params.record_id, query.task_name, logLevel(query.log_level)),
      );
    },
  };
}
