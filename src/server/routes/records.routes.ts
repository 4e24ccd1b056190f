import type { FastifyReply } from 'fastify';
import type { Principal } from '../../domain/identity.ts';
import type { RecordsPage } from '../../engine/records-service.ts';
import { recordsPageBody, toBuildInfoRecord } from '../mappers/record.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

type RecordOps =
  | 'listBuildInfoRecord'
  | 'listBuildInfoRecordByJobId'
  | 'showBuildInfoRecord'
  | 'showJobSuccessRatio'
  | 'importBuildRecords';

/** The build-records operations (the seed endpoint and its twins). */
export function recordHandlers(deps: RouteDeps): HandlerGroup<RecordOps> {
  const { records, imports, retention, clock } = deps.engine;
  // A settled page (finished builds only) is the same object until the job's history changes:
  // its JSON is made once and sent again as is.
  const serialized = new WeakMap<RecordsPage, string>();
  const list = async ({
    caller,
    params,
    query,
    reply,
  }: {
    caller: Principal;
    params: { job_id: string };
    query: { start_time: string; end_time: string; page_index?: number; page_size?: number };
    reply: FastifyReply;
  }) => {
    const page = await records.list(caller, params.job_id, {
      startTime: query.start_time,
      endTime: query.end_time,
      pageIndex: query.page_index ?? 0,
      pageSize: query.page_size ?? 10,
    });
    let body = serialized.get(page);
    if (body === undefined) {
      body = recordsPageBody(page, clock.now());
      if (page.settled) serialized.set(page, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  };
  return {
    listBuildInfoRecord: list,
    listBuildInfoRecordByJobId: list,
    async showBuildInfoRecord({ caller, params }) {
      return ok(toBuildInfoRecord(await records.one(caller, params.job_id, params.build_no), clock.now()));
    },
    async showJobSuccessRatio({ caller, params, query }) {
      const r = await records.successRatio(caller, params.job_id, query.start_time, query.end_time);
      return { success_count: r.success, total_count: r.total, success_ratio: r.ratio };
    },
    async importBuildRecords({ caller, params, query, request }) {
      const body = request.body as AsyncIterable<Uint8Array> | undefined;
      const summary = await imports.importStream(caller, params.job_id, body, query.first_line ?? 1);
      // Imported history obeys the job's build retention like its own builds.
      retention.kick(params.job_id);
      return ok({
        imported: summary.imported,
        skipped: summary.skipped,
        unfinished: summary.unfinished,
        lines: summary.lines,
        elapsed_ms: summary.elapsedMs,
      });
    },
  };
}
