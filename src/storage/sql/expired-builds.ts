import type { ExpressionBuilder, Kysely } from 'kysely';
import type { BuildRetentionRule } from '../ports.ts';
import type { Database } from '../schema.ts';
import { num } from './mappers.ts';

/**
 * The builds a job's retention rule lets go (BuildStore.expiredIds), oldest first. A BuildFlow is
 * one unit: its jobs' builds are never picked alone (the flow reads their outcomes until it ends,
 * and the flow graph shows them after), and a finished flow goes with all of them once every one
 * of them has expired too, so "the newest N" and "the last success" still hold for its jobs.
 */
export async function expiredBuildIds(
  db: Kysely<Database>,
  jobId: string,
  rule: BuildRetentionRule,
  lastSuccessId: string | undefined,
  limit: number,
): Promise<string[]> {
  // The newest build always stays (the job lists show it as the job's last), and nothing of a
  // job in the recycle bin goes.
  const job = await db
    .selectFrom('jobs')
    .select('last_build_number')
    .where('id', '=', jobId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!job) return [];
  let floor: number | undefined;
  if (rule.keepLast !== undefined) {
    // The number of the newest build kept by count: those below it are past the count.
    const row = await db
      .selectFrom('builds')
      .select('number')
      .where('job_id', '=', jobId)
      .orderBy('number', 'desc')
      .limit(1)
      .offset(rule.keepLast - 1)
      .executeTakeFirst();
    if (!row) return [];
    floor = num(row.number);
  }
  const last = Math.min(num(job.last_build_number), floor ?? Infinity);
  // A flow job's build that must stay keeps its whole flow.
  const kept = (eb: ExpressionBuilder<Database & { cb: Database['builds'] }, 'cb'>) =>
    eb.or([
      eb('cb.running_status', '!=', 'Finished'),
      eb('cb.number', '>=', last),
      ...(rule.startedBefore !== undefined ? [eb('cb.start_time', '>=', rule.startedBefore)] : []),
      ...(lastSuccessId !== undefined ? [eb('cb.id', '=', lastSuccessId)] : []),
    ]);
  let q = db
    .selectFrom('builds')
    .select('id')
    .where('job_id', '=', jobId)
    .where('running_status', '=', 'Finished')
    .where('number', '<', last)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('flow_jobs').select('child_id').whereRef('child_id', '=', 'builds.id'))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('flow_jobs')
            .innerJoin('builds as cb', 'cb.id', 'flow_jobs.child_id')
            .select('flow_jobs.child_id')
            .whereRef('flow_jobs.parent_id', '=', 'builds.id')
            .where(kept),
        ),
      ),
    );
  if (rule.startedBefore !== undefined) q = q.where('start_time', '<', rule.startedBefore);
  if (lastSuccessId !== undefined) q = q.where('id', '!=', lastSuccessId);
  const ids = (await q.orderBy('number').limit(limit).execute()).map((r) => r.id);
  if (ids.length === 0) return ids;
  const children = await db
    .selectFrom('flow_jobs')
    .select('child_id')
    .where('parent_id', 'in', ids)
    .execute();
  return [...ids, ...children.map((c) => c.child_id)];
}
