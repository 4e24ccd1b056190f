import { Type, type Static } from 'typebox';
import { MAX_RECYCLE_BIN_DAYS } from '../domain/time.ts';
import { JobId, WireInt } from './common.ts';

/** DeleteRecyclingJobs / RestoreRecyclingJobs / BatchDeleteBuildJobs body. */
export const JobIdsBody = Type.Object({
  job_ids: Type.Array(JobId('A build task (job) id'), { minItems: 1, maxItems: 100 }),
});
export type JobIdsBody = Static<typeof JobIdsBody>;

/** ListRecyclingJob query. */
export const RecyclingJobsQuery = Type.Object({
  page_size: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 10 })),
  page_no: Type.Optional(
    WireInt({ minimum: 0, maximum: 2147483647, default: 1, description: '1 is the first page' }),
  ),
  search: Type.Optional(Type.String({ maxLength: 256, description: 'Part of the job name' })),
});

/** A job in the recycle bin. */
export const RecyclingJob = Type.Object({
  job_id: Type.String(),
  job_name: Type.String(),
  project_id: Type.String(),
  creator_name: Type.String(),
  creator_id: Type.String(),
  create_time: Type.String({ description: 'yyyy-MM-dd HH:mm:ss in the server time zone' }),
  delete_time: Type.String({ description: 'yyyy-MM-dd HH:mm:ss in the server time zone' }),
  create_time_stamp: Type.String({ description: 'Epoch seconds, as text' }),
  delete_time_stamp: Type.String({ description: 'Epoch seconds, as text' }),
});
export type RecyclingJob = Static<typeof RecyclingJob>;

/** ListRecyclingJob answer (the legacy envelope plus `status`). */
export const RecyclingJobs = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  err_code: Type.String(),
  result: Type.Object({
    keep_time: Type.Integer({
      description: 'Days a deleted job stays in the bin before it is deleted for good',
    }),
    total: Type.Integer(),
    job_list: Type.Array(RecyclingJob),
  }),
  status: Type.String(),
});

/** RestoreRecyclingJobs / ClearRecyclingJobs answer. */
export const StatusWithError = Type.Object({
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});

/** SetKeepTime body. */
export const KeepTimeBody = Type.Object({
  keep_time: Type.Integer({
    minimum: 1,
    maximum: MAX_RECYCLE_BIN_DAYS,
    description: "Days the jobs the caller's domain deletes stay in the recycle bin",
  }),
});

/** SetKeepTime answer. */
export const KeepTimeResult = Type.Object({
  result: Type.Object({ keep_time: Type.Integer() }),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});
