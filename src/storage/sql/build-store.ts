import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { RecordFilter } from '../../domain/record-filter.ts';
import type { InsightColumns, StageTime } from '../../domain/insights.ts';
import type { ActiveCounts, Build, BuildState } from '../../domain/build.ts';
import { COUNTED_STATES } from '../../domain/health.ts';
import type { RecordRenderer } from '../../domain/rendered-record.ts';
import type {
  BuildOutcome,
  BuildRetentionRule,
  BuildRun,
  BuildStore,
  BuildWindow,
  InsightJobs,
  JobsWindow,
  CheckoutResult,
  QueuePlace,
  Unclaimed,
  CommitShown,
  RecordEntry,
  WindowIndex,
  WindowSeek,
} from '../ports.ts';
import type { Database } from '../schema.ts';
import {
  bucketOf,
  countInWindow,
  indexWindow,
  jobsPage,
  pageAt,
  pageInWindow,
  recordsAt,
} from './build-window.ts';
import { BUILD_COLUMNS, buildToRow, needsOf, num, recordToKeep, toBuild } from './mappers.ts';
import { expiredBuildIds } from './expired-builds.ts';
import { notFlowJob } from './flow-jobs-filter.ts';
import { readInsightRows } from './insight-rows.ts';
import { ROW_LIST } from './row-list-insert.ts';

/** Builds per statement: a VALUES list of 32 parameters each (32,000) stays under SQLite's limit (32766). */
const ROWS_PER_STATEMENT = 1_000;

/** Statement texts by placeholder style and row count (full-size lists and single rows only). */
const texts = new Map<string, string>();

/** `insert into builds (columns) values (...), ...` for `rows` rows, `?` or `$n` placeholders. */
function insertText(columns: string[], rows: number, positional: boolean): string {
  const key = `${positional}/${rows}`;
  const cached = texts.get(key);
  if (cached !== undefined) return cached;
  let n = 0;
  const tuple = () => `(${columns.map(() => (positional ? '?' : `$${++n}`)).join(', ')})`;
  const values = Array.from({ length: rows }, tuple).join(', ');
  const text = `insert into "builds" (${columns.map((c) => `"${c}"`).join(', ')}) values ${values}`;
  if (rows === 1 || rows === ROWS_PER_STATEMENT) texts.set(key, text);
  return text;
}

/** SQL BuildStore. */
export class SqlBuildStore implements BuildStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** insertMany as row lists (sql/row-list-insert.ts, SQLite) or $n VALUES lists (PostgreSQL). */
    private readonly rowListInserts = false,
    /** Renders the records kept beside finished builds (none kept without). */
    private readonly records?: RecordRenderer,
    /** The insights' rows read as bytes (SqlFlavour.insightBytes). */
    private readonly insightBytes = false,
  ) {}

  async insert(build: Build, plan?: string): Promise<void> {
    await this.db
      .insertInto('builds')
      .values(buildToRow(build, plan ?? null, this.records))
      .execute();
    await this.addToCounts(build.jobId, new Map([[bucketOf(build.startTime), 1]]));
    await this.bumpRecordsVersion([build.jobId]);
  }

  async insertMany(builds: Build[]): Promise<void> {
    if (builds.length === 0) return;
    // The statement text is made here, not by the query builder: building and compiling a
    // parameter node per value cost an import about as much as the database's own work on the rows.
    const columns = Object.keys(buildToRow(builds[0]!));
    for (let i = 0; i < builds.length; i += ROWS_PER_STATEMENT) {
      const chunk = builds.slice(i, i + ROWS_PER_STATEMENT);
      const query = this.rowListInserts
        ? CompiledQuery.raw(
            `${ROW_LIST} ${insertText(columns, 1, true)}`,
            chunk.map((b) => Object.values(buildToRow(b, null, this.records))),
          )
        : CompiledQuery.raw(
            insertText(columns, chunk.length, false),
            chunk.flatMap((b) => Object.values(buildToRow(b, null, this.records))),
          );
      await this.db.executeQuery(query);
    }
    const byJob = new Map<string, Map<number, number>>();
    for (const b of builds) {
      const buckets = byJob.get(b.jobId) ?? new Map<number, number>();
      const key = bucketOf(b.startTime);
      buckets.set(key, (buckets.get(key) ?? 0) + 1);
      byJob.set(b.jobId, buckets);
    }
    for (const [jobId, buckets] of byJob) await this.addToCounts(jobId, buckets);
    await this.bumpRecordsVersion([...byJob.keys()]);
  }

  /**
   * A build added changes its job's history: the records page cache is keyed on this version
   * (migration 008 says why this is not a trigger). Every insert path calls it.
   */
  private async bumpRecordsVersion(jobIds: string[]): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ records_version: sql`records_version + 1` })
      .where('id', 'in', jobIds)
      .execute();
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

  async someFinishedIdsOfJob(jobId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select('id')
      .where('job_id', '=', jobId)
      .where('running_status', '=', 'Finished')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async expiredIds(jobId: string, rule: BuildRetentionRule, limit: number): Promise<string[]> {
    return expiredBuildIds(this.db, jobId, rule, (await this.lastSuccessful(jobId))?.recordId, limit);
  }

  async deleteMany(recordIds: string[]): Promise<number> {
    if (recordIds.length === 0) return 0;
    // Steps, log chunks, scripts, artifact rows, flow rows and queue entries go by cascade. What
    // was deleted (not what was asked: another server may have been first) leaves the counts.
    const gone = await this.db
      .deleteFrom('builds')
      .where('id', 'in', recordIds)
      .returning(['job_id', 'start_time'])
      .execute();
    const byJob = new Map<string, Map<number, number>>();
    for (const b of gone) {
      const buckets = byJob.get(b.job_id) ?? new Map<number, number>();
      const key = bucketOf(num(b.start_time));
      buckets.set(key, (buckets.get(key) ?? 0) + 1);
      byJob.set(b.job_id, buckets);
    }
    // The jobs' rows first, then their days in order: a build's insert takes its job's row and then
    // its day's count, and the opposite order here deadlocked against it on PostgreSQL.
    if (byJob.size > 0) await this.bumpRecordsVersion([...byJob.keys()].sort());
    for (const [jobId, buckets] of byJob) {
      for (const [bucket, n] of [...buckets].sort((a, b) => a[0] - b[0]))
        await this.db
          .updateTable('build_counts')
          .set({ n: sql`n - ${n}` })
          .where('job_id', '=', jobId)
          .where('bucket', '=', bucket)
          .execute();
      await this.db.deleteFrom('build_counts').where('job_id', '=', jobId).where('n', '<=', 0).execute();
    }
    return gone.length;
  }

  async findByRecordId(recordId: string): Promise<Build | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('id', '=', recordId)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async commitMessages(jobId: string, numbers: number[]): Promise<Map<number, CommitShown>> {
    if (numbers.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('builds')
      .select(['number', 'commit_message', 'commit_author'])
      .where('job_id', '=', jobId)
      .where('number', 'in', numbers)
      .execute();
    return new Map(
      rows.map((r) => [Number(r.number), { message: r.commit_message, author: r.commit_author }]),
    );
  }

  async latestOnBranch(jobId: string, branch: string): Promise<Build | undefined> {
    // Walks the job's builds newest first (the (job_id, number) key) to the first of the branch.
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', jobId)
      .where('code_branch', '=', branch)
      .where(notFlowJob('builds.id'))
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async existingNumbers(jobId: string, numbers: number[]): Promise<Set<number>> {
    const found = new Set<number>();
    if (numbers.length === 0) return found;
    let low = numbers[0]!;
    let high = low;
    for (const n of numbers) {
      if (n < low) low = n;
      if (n > high) high = n;
    }
    // An import's batch is mostly a run of consecutive numbers: one range scan of the
    // (job_id, number) index then beats an IN list of thousands of parameters. A sparse batch
    // (its range could hold far more of the job's builds than it asks about) uses IN lists.
    if (high - low < 4 * numbers.length) {
      const wanted = new Set(numbers);
      const rows = await this.db
        .selectFrom('builds')
        .select('number')
        .where('job_id', '=', jobId)
        .where('number', '>=', low)
        .where('number', '<=', high)
        .execute();
      for (const r of rows) if (wanted.has(Number(r.number))) found.add(Number(r.number));
      return found;
    }
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

  countInWindow(w: BuildWindow | JobsWindow): Promise<number> {
    return countInWindow(this.db, w);
  }

  jobsPage(w: JobsWindow, index: WindowIndex, offset: number, limit: number): Promise<Build[]> {
    return jobsPage(this.db, w, index, offset, limit);
  }

  async filteredPage(
    w: BuildWindow | JobsWindow,
    f: RecordFilter,
    offset: number,
    limit: number,
  ): Promise<{ builds: Build[]; total: number }> {
    if ('jobIds' in w && w.jobIds.length === 0) return { builds: [], total: 0 };
    let q = this.db
      .selectFrom('builds')
      .where('job_id', 'in', 'jobIds' in w ? [...w.jobIds] : [w.jobId])
      .where('start_time', '>=', w.from)
      .where('start_time', '<', w.to);
    if (f.triggerTypes?.length) q = q.where('trigger_type', 'in', f.triggerTypes);
    const { branches, tags } = f;
    if (branches?.length || tags?.length)
      q = q.where((eb) =>
        eb.or([
          ...(branches?.length
            ? [eb.and([eb('build_type', '=', 'branch'), eb('code_branch', 'in', branches)])]
            : []),
          ...(tags?.length ? [eb.and([eb('build_type', '=', 'tag'), eb('code_branch', 'in', tags)])] : []),
        ]),
      );
    const [rows, count] = await Promise.all([
      q
        .select(BUILD_COLUMNS)
        .orderBy('start_time', 'desc')
        .orderBy('number', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
      q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { builds: rows.map((row) => toBuild(row)), total: Number(count.n) };
  }

  async insightRows(w: InsightJobs, limit: number): Promise<{ builds: InsightColumns; total: number }> {
    const builds = await readInsightRows(this.db, w, limit, this.insightBytes);
    // Fewer than the limit are all there are: a count (a pass over the window's index) only past it.
    const total =
      builds.length < limit
        ? builds.length
        : await countInWindow(this.db, { jobIds: w.jobs.map((j) => j.id), from: w.from, to: w.to });
    return { builds, total };
  }

  async stageTimes(w: InsightJobs, limit: number): Promise<StageTime[]> {
    if (w.jobs.length === 0 || w.from >= w.to) return [];
    const ids = w.jobs.map((j) => j.id);
    const latest = this.db
      .selectFrom('builds')
      .select('id')
      .where('job_id', 'in', ids)
      .where('start_time', '>=', w.from)
      .where('start_time', '<', w.to)
      .orderBy('start_time', 'desc')
      .orderBy('number', 'desc')
      .limit(limit);
    const rows = await this.db
      .selectFrom('build_steps as s')
      .innerJoin('builds as b', 'b.id', 's.build_id')
      .select(['b.job_id', 's.name', 's.started_at', 's.finished_at'])
      .where('s.build_id', 'in', latest)
      .where('s.started_at', 'is not', null)
      .where('s.finished_at', 'is not', null)
      .execute();
    const index = new Map(ids.map((id, i) => [id, i]));
    return rows.map((r) => ({
      job: index.get(r.job_id) ?? 0,
      name: r.name,
      ms: Math.max(0, num(r.finished_at) - num(r.started_at)),
    }));
  }

  async branchesOf(jobId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select('code_branch')
      .distinct()
      .where('job_id', '=', jobId)
      .where('build_type', '=', 'branch')
      .where('code_branch', '!=', '')
      .orderBy('code_branch')
      .limit(limit)
      .execute();
    return rows.map((r) => r.code_branch);
  }

  pageInWindow(w: BuildWindow, offset: number, limit: number): Promise<Build[]> {
    return pageInWindow(this.db, w, offset, limit);
  }

  indexWindow(w: BuildWindow | JobsWindow): Promise<WindowIndex> {
    return indexWindow(this.db, w);
  }

  pageAt(w: BuildWindow, at: WindowSeek, limit: number): Promise<Build[]> {
    return pageAt(this.db, w, at, limit);
  }

  recordsAt(w: BuildWindow, at: WindowSeek, limit: number): Promise<RecordEntry[]> {
    return this.records
      ? recordsAt(this.db, w, at, limit, this.records.format)
      : pageAt(this.db, w, at, limit);
  }

  async previousOutcome(jobId: string, number: number): Promise<BuildState | undefined> {
    const { rows } = await sql<{ state: BuildState }>`
      select state from builds
      where job_id = ${jobId} and number < ${number}
        and state in (${sql.join(COUNTED_STATES.map((st) => sql.lit(st)))})
      order by number desc limit 1`.execute(this.db);
    return rows[0]?.state;
  }

  async latestCountedStates(jobId: string, limit: number): Promise<BuildState[]> {
    // Literal states (not bound parameters) so the planner can prove the partial index applies.
    const { rows } = await sql<{ state: BuildState }>`
      select state from builds
      where job_id = ${jobId} and state in (${sql.join(COUNTED_STATES.map((st) => sql.lit(st)))})
      and ${notFlowJob('builds.id')}
      order by number desc limit ${limit}`.execute(this.db);
    return rows.map((r) => r.state);
  }

  async lastSuccessful(jobId: string): Promise<Build | undefined> {
    // Backwards along (job_id, number): the first SUCCESS met ends the scan.
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', jobId)
      .where('state', '=', 'SUCCESS')
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  async latest(jobId: string): Promise<Build | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .select(BUILD_COLUMNS)
      .where('job_id', '=', jobId)
      .where(notFlowJob('builds.id'))
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toBuild(row);
  }

  /** The finished builds started in the window, of `branch` when given (the reports' base). */
  private finishedIn(w: BuildWindow, branch: string | undefined) {
    const q = this.db
      .selectFrom('builds')
      .where('job_id', '=', w.jobId)
      .where('start_time', '>=', w.from)
      .where('start_time', '<', w.to)
      .where('running_status', '=', 'Finished');
    return branch === undefined ? q : q.where('build_type', '=', 'branch').where('code_branch', '=', branch);
  }

  async outcomeCounts(w: BuildWindow, branch?: string): Promise<{ total: number; success: number }> {
    const row = await this.finishedIn(w, branch)
      .select([
        (eb) => eb.fn.countAll().as('total'),
        sql<number>`coalesce(sum(case when state = 'SUCCESS' then 1 else 0 end), 0)`.as('success'),
      ])
      .where('state', 'in', COUNTED_STATES)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), success: Number(row.success) };
  }

  async buildTimeStats(
    w: BuildWindow,
    branch?: string,
  ): Promise<{ count: number; average: number; max: number; min: number }> {
    const row = await this.finishedIn(w, branch)
      .select([
        (eb) => eb.fn.countAll().as('n'),
        sql<number>`avg(build_time)`.as('average'),
        sql<number>`max(build_time)`.as('longest'),
        sql<number>`min(build_time)`.as('shortest'),
      ])
      .where('build_time', 'is not', null)
      .executeTakeFirstOrThrow();
    return {
      count: Number(row.n),
      average: Number(row.average ?? 0),
      max: Number(row.longest ?? 0),
      min: Number(row.shortest ?? 0),
    };
  }

  async activeCounts(): Promise<ActiveCounts> {
    const rows = await this.db
      .selectFrom('builds')
      .select([
        'running_status',
        sql<number>`case when runner_id is null then 0 else 1 end`.as('claimed'),
        (eb) => eb.fn.countAll().as('n'),
      ])
      .where('running_status', '<>', 'Finished')
      .groupBy(['running_status', sql`case when runner_id is null then 0 else 1 end`])
      .execute();
    const counts: ActiveCounts = { queued: 0, starting: 0, running: 0 };
    for (const r of rows) {
      const place = r.running_status === 'Running' ? 'running' : Number(r.claimed) ? 'starting' : 'queued';
      counts[place] += Number(r.n);
    }
    return counts;
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

  async listUnfinished(limit: number): Promise<{ build: Build; runnerId: string | null }[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select([...BUILD_COLUMNS, 'runner_id'])
      // `in`, not `<>`: the (running_status, lease_expires_at) index finds them among a million.
      .where('running_status', 'in', ['Starting', 'Running'])
      .orderBy('start_time')
      .orderBy('number')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ build: toBuild(row), runnerId: row.runner_id }));
  }

  async listUnfinishedPlans(): Promise<{ recordId: string; plan: string }[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select(['id', 'plan'])
      .where('running_status', '<>', 'Finished')
      .where('plan', 'is not', null)
      .execute();
    return rows.map((r) => ({ recordId: r.id, plan: r.plan as string }));
  }

  async replacePlan(recordId: string, expected: string, plan: string): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({ plan })
      .where('id', '=', recordId)
      .where('plan', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async claim(
    recordId: string,
    runnerId: string,
    leaseUntil: number,
    now: number,
    place?: QueuePlace,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({
        runner_id: runnerId,
        lease_expires_at: leaseUntil,
        run_started_at: now,
        queue_seq: place?.seq ?? null,
        queue_needs_arch: place?.needs.arch ?? null,
        queue_needs_pool: place?.needs.pool ?? null,
      })
      .where('id', '=', recordId)
      .where('running_status', '=', 'Starting')
      .where('runner_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async unclaim(
    recordId: string,
    runnerId: string,
    lost?: { expiredBefore?: number },
  ): Promise<Unclaimed | undefined> {
    // The kept place stays (RETURNING reads the row as written); the next claim replaces it.
    let q = this.db
      .updateTable('builds')
      .set({
        runner_id: null,
        lease_expires_at: null,
        run_started_at: null,
        ...(lost && { lost_claims: sql<number>`lost_claims + 1` }),
      })
      .where('id', '=', recordId)
      .where('runner_id', '=', runnerId)
      .where('running_status', '=', 'Starting');
    if (lost?.expiredBefore !== undefined) q = q.where('lease_expires_at', '<', lost.expiredBefore);
    const row = await q
      .returning(['queue_seq', 'queue_needs_arch', 'queue_needs_pool', 'lost_claims', 'cancel_requested'])
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      place:
        row.queue_seq === null
          ? undefined
          : { seq: Number(row.queue_seq), needs: needsOf(row.queue_needs_arch, row.queue_needs_pool) },
      lostClaims: Number(row.lost_claims),
      cancelRequested: Number(row.cancel_requested) === 1,
    };
  }

  async detach(recordId: string, runnerId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('builds')
      .set({ runner_id: null, lease_expires_at: null })
      .where('id', '=', recordId)
      .where('runner_id', '=', runnerId)
      .where('running_status', '=', 'Running')
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
        commit_author: c.commitAuthor ?? '',
        ...(c.parameters && { parameters: JSON.stringify(c.parameters) }),
        ...(c.branch && {
          code_branch: sql<string>`case when code_branch = '' then ${c.branch} else code_branch end`,
        }),
      })
      .where('id', '=', recordId)
      .where('runner_id', '=', runnerId)
      // Once: a second report must not rewrite the checkout a started build recorded.
      .where('running_status', '=', 'Starting')
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

  async finish(
    recordId: string,
    o: BuildOutcome,
    runnerId?: string,
    expiredBefore?: number,
  ): Promise<boolean> {
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
    if (expiredBefore !== undefined) q = q.where('lease_expires_at', '<', expiredBefore);
    if (!this.records) return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
    // The record of a finished build never changes: render it now, from the row as it finished.
    const row = await q.returning(BUILD_COLUMNS).executeTakeFirst();
    if (!row) return false;
    const record = recordToKeep(toBuild(row), this.records);
    if (record === null) return true;
    await this.db
      .updateTable('builds')
      .set({ record_json: record, record_format: this.records.format })
      .where('id', '=', recordId)
      .execute();
    return true;
  }

  async listExpired(now: number, limit: number): Promise<{ recordId: string; runnerId: string }[]> {
    const rows = await this.db
      .selectFrom('builds')
      .select(['id', 'runner_id'])
      .where('running_status', '<>', 'Finished')
      .where('lease_expires_at', '<', now)
      // The longest lost first: the sweep's order is the same on every store and every run.
      .orderBy('lease_expires_at')
      .orderBy('id')
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
