import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

function sendFile(reply: FastifyReply, name: string, body: AsyncGenerator<Uint8Array>): FastifyReply {
  return reply
    .code(200)
    .type('application/octet-stream')
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(Readable.from(body));
}

/** Build logs: the live tail and the downloads. */
export function logHandlers(
  deps: RouteDeps,
): HandlerGroup<'downloadRealTimeLog' | 'downloadBuildLog' | 'downloadTaskLog' | 'showActionIInfo'> {
  const { logs } = deps.engine;
  return {
    async downloadRealTimeLog({ caller, params, query, reply }) {
      // A follower that hangs up ends its wait at once: no timer, listener or read outlives it.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const slice = await logs.realTime(
        caller,
        params.job_id,
        params.build_no,
        query.offset,
        query.length ?? 1_000_000,
        query.wait_ms ?? 0,
        gone.signal,
      );
      return ok({
        has_more_data: slice.hasMore,
        offset: slice.next,
        content: Buffer.from(slice.content).toString('utf8'),
        current_offset: slice.offset,
      });
    },
    async showActionIInfo({ caller, query }) {
      const page = await logs.page(caller, query.job_id, query.build_no, {
        startOffset: query.start_offset,
        endOffset: query.end_offset,
        descending: query.sort?.toUpperCase() === 'DESC',
        stage: query.stage,
      });
      return ok({
        has_more: page.hasMore,
        start_offset: String(page.start),
        end_offset: String(page.end),
        log: Buffer.from(page.content).toString('utf8'),
        location: 'kiln',
      });
    },
    async downloadBuildLog({ caller, params, reply }) {
      return sendFile(reply, `${params.record_id}.log`, await logs.full(caller, params.record_id));
    },
    async downloadTaskLog({ caller, params, query, reply }) {
      const safe = query.task_name.replace(/[^\w.-]+/g, '_').slice(0, 100);
      return sendFile(
        reply,
        `${params.record_id}-${safe}.log`,
        await logs.step(caller, params.record_id, query.task_name),
      );
    },
  };
}
