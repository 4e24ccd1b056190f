import type { RecyclingJob } from '../../contract/recycle-bin.ts';
import { formatWallClock } from '../../domain/time.ts';
import type { RecycledSummary } from '../../engine/recycle-bin-service.ts';

/** A job in the recycle bin as ListRecyclingJob shows it. */
export function toRecyclingJob(r: RecycledSummary, zone: string): RecyclingJob {
  return {
    job_id: r.job.id,
    job_name: r.job.name,
    project_id: r.job.projectId,
    creator_name: r.creator?.name ?? '',
    creator_id: r.job.creatorId,
    create_time: formatWallClock(r.job.createdAt, zone),
    delete_time: formatWallClock(r.deletedAt, zone),
    create_time_stamp: String(Math.floor(r.job.createdAt / 1000)),
    delete_time_stamp: String(Math.floor(r.deletedAt / 1000)),
  };
}
