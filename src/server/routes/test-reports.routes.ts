import { toJunitList, toReportSummary } from '../mappers/test-report.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';

/** A build's unit-test reports: the stages that collected them, and their counts. */
export function testReportHandlers(
  deps: RouteDeps,
): HandlerGroup<'listJunitCoverageSummary' | 'showReportSummary'> {
  const { builds } = deps.engine;
  return {
    async listJunitCoverageSummary({ caller, query }) {
      return toJunitList(await builds.viewByNumber(caller, query.job_id, query.build_no));
    },
    async showReportSummary({ caller, params, query }) {
      return toReportSummary(await builds.viewByNumber(caller, params.job_id, query.build_no));
    },
  };
}
