import { Readable } from 'node:stream';
import { toBuildTests, toJunitList, toReportSummary, toTestTrend } from '../mappers/test-report.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';

/**
 * A build's unit-test reports: the stages that collected them, their counts, the zip of their
 * files; Kiln's test cases of a build and test trend of a job.
 */
export function testReportHandlers(
  deps: RouteDeps,
): HandlerGroup<
  | 'listJunitCoverageSummary'
  | 'showReportSummary'
  | 'downloadJunitCoverageZip'
  | 'listBuildTests'
  | 'showTestTrend'
> {
  const { builds, tests, artifacts } = deps.engine;
  return {
    async listJunitCoverageSummary({ caller, query }) {
      return toJunitList(await builds.viewByNumber(caller, query.job_id, query.build_no));
    },
    async showReportSummary({ caller, params, query }) {
      return toReportSummary(await builds.viewByNumber(caller, params.job_id, query.build_no));
    },
    async downloadJunitCoverageZip({ caller, query, reply }) {
      const zip = await tests.reportZip(caller, query.job_id, query.build_no, query.root_id);
      const body = Readable.from(await artifacts.bytes(zip));
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${query.root_id}.zip"`)
        .header('content-length', String(zip.size))
        .send(body);
    },
    async listBuildTests({ caller, params, query }) {
      const page = await tests.cases(caller, params.job_id, params.build_no, {
        ...(query.status && { status: query.status }),
        offset: query.offset ?? 0,
        limit: query.limit ?? 100,
      });
      return toBuildTests(page);
    },
    async showTestTrend({ caller, params, query }) {
      return toTestTrend(params.job_id, await tests.trend(caller, params.job_id, query.builds ?? 50));
    },
  };
}
