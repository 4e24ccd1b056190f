import { Type, type Static } from 'typebox';
import { DATE_PATTERN, Envelope, Formatted, WALL_CLOCK_PATTERN, WireInt } from './common.ts';

/** One build as the records API shows it (spec: every field always present, never null). */
export const BuildInfoRecord = Type.Object({
  number: Type.Integer({ description: 'Build number, per job, from 1' }),
  build_time: Type.Integer({ description: 'ms spent executing; so far while running; 0 while queued' }),
  start_time: Type.Integer({ description: 'Epoch ms when the build was triggered' }),
  job_running_status: Type.String({ description: 'Starting, Running or Finished' }),
  state: Type.String({ description: 'SUCCESS, FAILURE, ABORTED, timeout; "" until Finished' }),
  user_id: Type.String(),
  executor: Type.String(),
  nickname: Type.String(),
  daily_build_number: Type.String({ description: 'yyyyMMdd.N' }),
  trigger_type: Type.String({ description: 'Manual, Scheduled or CodeUpdate' }),
  cost_time: Type.Integer({ description: 'ms from trigger to finish; so far while not finished' }),
  commit_id: Type.String(),
  commit_info: Type.Object({
    commit_id: Type.String(),
    created_at: Type.String({ description: 'Commit time, e.g. 2023-11-21T01:48:21.000+00:00' }),
  }),
  build_type: Type.String({ description: 'branch, tag or commit' }),
  code_branch: Type.String(),
  scm_type: Type.String(),
  scm_web_url: Type.String(),
  commit_detail_url: Type.String(),
});
export type BuildInfoRecord = Static<typeof BuildInfoRecord>;

/** Query of ListBuildInfoRecord and its v1 twin. */
export const RecordsQuery = Type.Object({
  start_time: Formatted(
    WALL_CLOCK_PATTERN,
    'yyyy-MM-dd HH:mm:ss',
    'Window start (server time zone), inclusive',
  ),
  end_time: Formatted(WALL_CLOCK_PATTERN, 'yyyy-MM-dd HH:mm:ss', 'Window end (server time zone), inclusive'),
  page_index: Type.Optional(
    WireInt({ minimum: 0, maximum: 2147483647, default: 0, description: '0-based page' }),
  ),
  page_size: Type.Optional(WireInt({ minimum: 1, maximum: 100, default: 10 })),
});

/** ListBuildInfoRecord answer: totals are JSON strings, as the official SDKs decode them. */
export const RecordsPage = Envelope(
  Type.Object({
    health_score: Type.String(),
    page_index: Type.String(),
    total_page: Type.String(),
    total_record: Type.String(),
    job_build_states: Type.Array(BuildInfoRecord),
  }),
);
export type RecordsPage = Static<typeof RecordsPage>;

/** ShowBuildInfoRecord answer. */
export const OneRecord = Envelope(BuildInfoRecord);
export type OneRecord = Static<typeof OneRecord>;

/** ShowJobSuccessRatio query (dates in the server time zone, inclusive). */
export const SuccessRatioQuery = Type.Object({
  start_time: Formatted(DATE_PATTERN, 'yyyy-MM-dd', 'First day, inclusive'),
  end_time: Formatted(DATE_PATTERN, 'yyyy-MM-dd', 'Last day, inclusive'),
});

/** ShowJobSuccessRatio answer (bare). */
export const SuccessRatio = Type.Object({
  success_count: Type.Integer(),
  total_count: Type.Integer(),
  success_ratio: Type.Number({
    description: 'success_count / total_count rounded to 2 decimals; 0 when none',
  }),
});
export type SuccessRatio = Static<typeof SuccessRatio>;

/** Answer of the import operation (Kiln's own). */
export const ImportSummary = Type.Object({
  imported: Type.Integer(),
  skipped: Type.Integer({ description: 'build numbers the job already had (never overwritten)' }),
  unfinished: Type.Integer({
    description: 'records of builds still Starting or Running where they were read: left out',
  }),
  lines: Type.Integer(),
  elapsed_ms: Type.Integer(),
});
export type ImportSummary = Static<typeof ImportSummary>;

/** Query of the import operation. */
export const ImportQuery = Type.Object({
  first_line: Type.Optional(
    WireInt({
      minimum: 1,
      maximum: 2147483647,
      default: 1,
      description: 'Line number of the first line (for files sent in parts)',
    }),
  ),
});
