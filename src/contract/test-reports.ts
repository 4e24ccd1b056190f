import { Type } from 'typebox';
import { Envelope, Id32, WireInt } from './common.ts';

/** Unit-test reports of a build (reference Appendix A.6): the JUnit counts its steps collected. */

const BuildNo = WireInt({ minimum: 1, maximum: 2147483647, description: 'Build number' });

/** ListJunitCoverageSummary query. */
export const JunitListQuery = Type.Object({ job_id: Id32('Build task (job) id'), build_no: BuildNo });

/** ShowReportSummary query. */
export const ReportSummaryQuery = Type.Object({ build_no: BuildNo });

const Where = {
  job_id: Type.String(),
  build_no: Type.Integer(),
  stage_name: Type.String({ description: 'The stage key of the step (stage1, stage2, ...)' }),
  root_id: Type.String({ description: "The stage's id (as in full-stages)" }),
  region: Type.String({ description: '"" (a self-hosted server has no region)' }),
};

/** ListJunitCoverageSummary answer: the stages that collected reports. */
export const JunitList = Envelope(Type.Object({ unit_summary_list: Type.Array(Type.Object(Where)) }));

const Summary = Type.Object({
  ...Where,
  total: Type.Integer(),
  success: Type.Integer(),
  failures: Type.Integer(),
  errors: Type.Integer(),
  others: Type.Integer({ description: 'Skipped test cases' }),
  execution_time: Type.Integer({ description: "ms: the step's duration" }),
  genrate_time: Type.String({ description: 'When the step ended (sic: the reference spells it so)' }),
  is_success: Type.Boolean({ description: 'No failure and no error' }),
});

/** ShowReportSummary answer: the build's total and one summary per stage with reports. */
export const ReportSummary = Envelope(Type.Object({ summary: Summary, sub_summarys: Type.Array(Summary) }));
