import { sql, type Kysely } from 'kysely';
import type { Build, BuildState } from '../../domain/build.ts';
import { COUNTED_STATES } from '../../domain/health.ts';
import type { BuildOutcome, BuildRun, BuildStore, BuildWindow, CheckoutResult } from '../ports.ts';
import type { Database } from '../schema.ts';
import { BUILD_COLUMNS, buildToRow, toBuild } from './mappers.ts';

/**
 * Builds are counted per job per UTC day in `build_counts`, kept in the same statement batch as
 * every insert. A window's total is then the sum of its whole days plus an index count of its two
 * partial days, and page k is found by walking the per-day running sum to the day that holds
 * position k and seeking inside it. Neither cost grows with the length of the history, only with
 * the number of days in the window and the builds of one day (COUNT(*) and OFFSET over the whole
 * window would grow with both).
 */
export const BUCKET_MS = 86_400_000;

/** The day bucket of an instant. */
export function bucketOf(epochMs: number): number {
  return Math.floor(epochMs / BUCKET_MS);
}

/** SQL BuildStore. */
export class SqlBuildStore implements BuildStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(build: Build, plan?: string): Promise<void> {
    await this.db
      .insertInto('builds')
      .values(buildToRow(build, plan ?? null))
      .execute();
    await this.addToCounts(build.jobId, new Map([[bucketOf(build.startTime), 1]]));
  }

  async insertMany(builds: Build[]): Promise<void> {
    if (builds.length === 0) return;
    // Chunks keep each statement under SQLite's bound-parameter limit (32766).
    const perStatement = Math.floor(30_000 / 30);
    for (let i = 0; i < builds.length; i += perStatement) {
      await this.db
        .insertInto('builds')
        .values(builds.slice(i, i + perStatement).map((b) => buildToRow(b)))
        .execute();
    }
    const byJob = new Map<string, Map<number, number>>();
    for (const b of builds) {
      const buckets = byJob.get(b.jobId) ?? new Map<number, number>();
      const key = bucketOf(b.startTime);
      buckets.set(key, (buckets.get(key) ?? 0) + 1);
      byJob.set(b.jobId, buckets);
    }
    for (const [jobId, buckets] of byJob) await this.addToCounts(jobId, buckets);
  }

  private async addToCounts(jobId: string, buckets: Map<number, number>): Promise<void> {
    const rows = [...buckets].map(([bucket, n]) => ({ job_id: jobId, bucket, n }));
    for (let i = 0; i < rows.length; i += 5_000) {
      await this.db
        .insertInto('build_counts')
        .values(rows.slice(i, i + 5_000))
        .onConflict((oc) =>
          oc.columns(['job_id', 'bucket']).doUpdateSet({ n: sql`build_counts.n + excluded.n` }),
        )
        .execute();
    }
  }

  async findByNumber(jobId: string, number: number): Promise<Build | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', jobId)
      .where('number', '=', number)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async findByRecordId(recordId: string): Promise<Build | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('id', '=', recordId)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async existingNumbers(jobId: string, numbers: number[]): Promise<Set<number>> {
    const found = new Set<number>();
    for (let i = 0; i < numbers.length; i += 10_000) {
      const rows = await this.db
        .selectFrom('builds')
        .select('number')
        .where('job_id', '=', jobId)
        .where('number', 'in', numbers.slice(i, i + 10_000))
        .execute();
      for (const r of rows) found.add(Number(r.number));
    }
    return found;
  }

  private countRange(jobId: string, from: number, to: number) {
    return this.db
      .selectFrom('builds')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('job_id', '=', jobId)
      .where('start_time', '>=', from)
      .where('start_time', '<', to);
  }

  async countInWindow(w: BuildWindow): Promise<number> {
    if (w.from >= w.to) return 0;
    const first = bucketOf(w.from);
    const last = bucketOf(w.to - 1);
    if (first === last) {
      return Number((await this.countRange(w.jobId, w.from, w.to).executeTakeFirstOrThrow()).n);
    }
    const row = await this.db
      .selectNoFrom((eb) => [
        this.countRange(w.jobId, w.from, (first + 1) * BUCKET_MS).as('head'),
        this.countRange(w.jobId, last * BUCKET_MS, w.to).as('tail'),
        eb
          .selectFrom('build_counts')
          .select(sql<number>`coalesce(sum(n), 0)`.as('s'))
          .where('job_id', '=', w.jobId)
          .where('bucket', '>', first)
          .where('bucket', '<', last)
          .as('mid'),
      ])
      .executeTakeFirstOrThrow();
    return Number(row.head) + Number(row.tail) + Number(row.mid);
  }

  /** Builds of the window below `below` (exclusive), newest first, skipping `skip` of them. */
  private async pageBelow(w: BuildWindow, below: number, skip: number, limit: number): Promise<Build[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', w.jobId)
      .where('start_time', '>=', w.from)
      .where('start_time', '<', Math.min(below, w.to))
      .orderBy('start_time', 'desc')
      .orderBy('number', 'desc')
      .limit(limit)
      .offset(skip)
      .execute();
    return rows.map(toBuild);
  }

  async pageInWindow(w: BuildWindow, offset: number, limit: number): Promise<Build[]> {
    if (w.from >= w.to || limit <= 0) return [];
    const first = bucketOf(w.from);
    const last = bucketOf(w.to - 1);
    if (first === last) return this.pageBelow(w, w.to, offset, limit);

    const tail = Number((await this.countRange(w.jobId, last * BUCKET_MS, w.to).executeTakeFirstOrThrow()).n);
    if (offset < tail) return this.pageBelow(w, w.to, offset, limit);

    // Walk whole days newest first: the first day whose running total passes the position holds it.
    const rest = offset - tail;
    const day = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('build_counts')
          .select(['bucket', 'n', sql<number>`sum(n) over (order by bucket desc)`.as('cum')])
          .where('job_id', '=', w.jobId)
          .where('bucket', '>', first)
          .where('bucket', '<', last)
          .as('d'),
      )
      .select(['bucket', 'n', 'cum'])
      .where('cum', '>', rest)
      .orderBy('bucket', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (day) {
      const before = Number(day.cum) - Number(day.n);
      return this.pageBelow(w, (Number(day.bucket) + 1) * BUCKET_MS, rest - before, limit);
    }
    const mid = await this.db
      .selectFrom('build_counts')
      .select(sql<number>`coalesce(sum(n), 0)`.as('s'))
      .where('job_id', '=', w.jobId)
      .where('bucket', '>', first)
      .where('bucket', '<', last)
      .executeTakeFirstOrThrow();
    return this.pageBelow(w, (first + 1) * BUCKET_MS, rest - Number(mid.s), limit);
  }

  async latestCountedStates(jobId: string, limit: number): Promise<BuildState[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select('state')
      .where('job_id', '=', jobId)
      // Literal values (not bound parameters) so the planner can prove the partial index applies.
      .where(sql<boolean>`state in (${sql.join(COUNTED_STATES.map((s) => sql.lit(s)))})`)
      .orderBy('number', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.state as BuildState);
  }

  async latest(jobId: string): Promise<Build | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', jobId)
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async finishedCounts(w: BuildWindow): Promise<{ total: number; success: number }> {
    const row = await this.db
      .selectFrom('builds')
      .select([
        (eb) => eb.fn.countAll().as('total'),
        sql<number>`coalesce(sum(case when state = 'SUCCESS' then 1 else 0 end), 0)`.as('success'),
      ])
      .where('job_id', '=', w.jobId)
      .where('start_time', '>=', w.from)
      .where('start_time', '<', w.to)
      .where('running_status', '=', 'Finished')
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), success: Number(row.success) };
  }

  async activeCounts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('builds')
      .select(['running_status', (eb) => eb.fn.countAll().as('n')])
      .where('running_status', '<>', 'Finished')
      .groupBy('running_status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.running_status, Number(r.n)]));
  }

  async listActive(jobId: string): Promise<Build[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', jobId)
      .where('running_status', '<>', 'Finished')
      .orderBy('number')
      .execute();
    return rows.map(toBuild);
  }

  async findRun(recordId: string): Promise<BuildRun | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select([...BUILD_COLUMNS, 'plan', 'runner_id', 'lease_expires_at', 'cancel_requested', 'log_size'])
      .where('id', '=', recordId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      build: toBuild(row),
      plan: row.plan,
      runnerId: row.runner_id,
      leaseExpiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
      cancelRequested: Number(row.cancel_requested) === 1,
      logSize: Number(row.log_size),
    };
  }

  async claim(recordId: string, runnerId: string, leaseUntil: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({ runner_id: runnerId, lease_expires_at: leaseUntil, run_started_at: now })
      .where('id', '=', recordId)
      .where('running_status', '=', 'Starting')
      .where('runner_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async unclaim(recordId: string, runnerId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({ runner_id: null, lease_expires_at: null, run_started_at: null })
      .where('id', '=', recordId)
      .where('runner_id', '=', runnerId)
      .where('running_status', '=', 'Starting')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async markRunning(recordId: string, runnerId: string, c: CheckoutResult): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({
        running_status: 'Running',
        commit_id: c.commitId,
        commit_time: c.commitTime,
        commit_message: c.commitMessage,
        ...(c.branch && {
          code_branch: sql<string>`case when code_branch = '' then ${c.branch} else code_branch end`,
        }),
      })
      .where('id', '=', recordId)
      .where('runner_id', '=', runnerId)
      .where('running_status', '<>', 'Finished')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async renewLease(
    recordId: string,
    runnerId: string,
    until: number,
  ): Promise<{ held: boolean; cancel: boolean }> {
    const row = await this.db
      .updateTable('builds')
      .set({ lease_expires_at: until })
      .where('id', '=', recordId)
      .where('runner_id', '=', runnerId)
      .where('running_status', '<>', 'Finished')
      .returning('cancel_requested')
      .executeTakeFirst();
    return { held: row !== undefined, cancel: row !== undefined && Number(row.cancel_requested) === 1 };
  }

  async requestCancel(recordId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({ cancel_requested: 1 })
      .where('id', '=', recordId)
      .where('running_status', '<>', 'Finished')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finish(recordId: string, o: BuildOutcome, runnerId?: string): Promise<boolean> {
    let q = this.db
      .updateTable('builds')
      .set({
        running_status: 'Finished',
        state: o.state,
        finished_at: o.finishedAt,
        build_time: o.buildTime,
        cost_time: o.costTime,
        lease_expires_at: null,
      })
      .where('id', '=', recordId)
      .where('running_status', '<>', 'Finished');
    if (runnerId !== undefined) q = q.where('runner_id', '=', runnerId);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  async listExpired(now: number, limit: number): Promise<{ recordId: string; runnerId: string }[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select(['id', 'runner_id'])
      .where('running_status', '<>', 'Finished')
      .where('lease_expires_at', '<', now)
      .limit(limit)
      .execute();
    return rows.map((r) => ({ recordId: r.id, runnerId: r.runner_id ?? '' }));
  }

  async listHeldBy(runnerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select('id')
      .where('running_status', '<>', 'Finished')
      .where('runner_id', '=', runnerId)
      .execute();
    return rows.map((r) => r.id);
  }
}
