import { sql, type Kysely, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import { MAX_BUILD_NUMBER } from '../../domain/build.ts';
import { FINISHED_STATE, type JobListQuery } from '../../domain/job-list.ts';
import { COUNTED_STATES } from '../../domain/health.ts';
import { DAY_MS } from '../../domain/time.ts';
import type { Role } from '../../domain/roles.ts';
import type {
  JobAccessRecord,
  JobRecord,
  JobsSummary,
  JobStore,
  RecycledJob,
  Viewer,
  VisibleJob,
} from '../ports.ts';
import type { Database, JobRow } from '../schema.ts';
import { notFlowJob } from './flow-jobs-filter.ts';
import { jobToRow, toJobRecord, toProject } from './mappers.ts';
import { mayView } from './job-visibility.ts';
import { nameContains } from './search.ts';

/** SQL JobStore. Deleted jobs keep their row (and their builds) but no method returns them. */
export class SqlJobStore implements JobStore {
  constructor(private readonly db: Kysely<Database>) {}

  private live() {
    return this.db.selectFrom('jobs').where('deleted_at', 'is', null);
  }

  async insert(job: JobRecord): Promise<void> {
    await this.db.insertInto('jobs').values(jobToRow(job)).execute();
  }
  async findById(id: string): Promise<JobRecord | undefined> {
    const row = await this.live().selectAll().where('id', '=', id).executeTakeFirst();
    return row && toJobRecord(row);
  }
  async badgeEnabled(id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('job_badges')
      .select('job_id')
      .where('job_id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }
  async setBadge(id: string, enabled: boolean, now: number): Promise<void> {
    if (!enabled) {
      await this.db.deleteFrom('job_badges').where('job_id', '=', id).execute();
      return;
    }
    await this.db
      .insertInto('job_badges')
      .values({ job_id: id, enabled_at: now })
      .onConflict((oc) => oc.column('job_id').doNothing())
      .execute();
  }
  async findByName(projectId: string, name: string): Promise<JobRecord | undefined> {
    const row = await this.live()
      .selectAll()
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toJobRecord(row);
  }
  async findAccess(id: string, userId: string): Promise<JobAccessRecord | undefined> {
    const found = await this.access(id, userId, sql`j.deleted_at is null`);
    return found && { job: found.job, project: found.project, role: found.role };
  }

  /** The job `id` when `state` holds, with its project and `userId`'s role there, in one statement. */
  private async access(id: string, userId: string, state: RawBuilder<unknown>) {
    const { rows } = await sql<
      Selectable<JobRow> & {
        p_domain_id: string;
        p_name: string;
        p_description: string;
        p_creator_id: string;
        p_created_at: number;
        role: string | null;
      }
    >`
      select j.*, p.domain_id as p_domain_id, p.name as p_name, p.description as p_description,
        p.creator_id as p_creator_id, p.created_at as p_created_at, m.role
      from jobs j
        join projects p on p.id = j.project_id
        left join project_members m on m.project_id = j.project_id and m.user_id = ${userId}
      where j.id = ${id} and ${state}`.execute(this.db);
    const r = rows[0];
    if (!r) return undefined;
    return {
      row: r,
      job: toJobRecord(r),
      project: toProject({
        id: r.project_id,
        domain_id: r.p_domain_id,
        name: r.p_name,
        description: r.p_description,
        creator_id: r.p_creator_id,
        created_at: r.p_created_at,
      }),
      role: (r.role ?? undefined) as Role | undefined,
    };
  }

  async listByProject(
    projectId: string,
    query: JobListQuery,
    viewer: Viewer,
  ): Promise<{ items: (JobRecord & { favorite: boolean })[]; total: number }> {
    const { rows, total } = await this.listJobs({ projectId }, query, viewer);
    return { items: rows.map((r) => ({ ...toJobRecord(r), favorite: r.favorite_of !== null })), total };
  }

  async listVisible(viewer: Viewer, query: JobListQuery): Promise<{ items: VisibleJob[]; total: number }> {
    const { rows, total } = await this.listJobs('domain', query, viewer);
    return {
      items: rows.map((r) => ({
        ...toJobRecord(r),
        favorite: r.favorite_of !== null,
        projectName: r.project_name,
        // As access.ts decides (effectiveRole): an administrator is an owner whatever their row.
        role: viewer.admin ? 'owner' : (r.member_role as Role),
      })),
      total,
    };
  }

  /**
   * The live jobs of one project, or of every project of the viewer's domain, that the viewer may
   * view (mayView), with their project and the viewer's membership joined (`projects`, `member`).
   */
  private visible(scope: { projectId: string } | 'domain', viewer: Viewer) {
    let q = this.db
      .selectFrom('jobs')
      .innerJoin('projects', 'projects.id', 'jobs.project_id')
      .leftJoin('project_members as member', (join) =>
        join.onRef('member.project_id', '=', 'jobs.project_id').on('member.user_id', '=', viewer.userId),
      )
      .where('jobs.deleted_at', 'is', null)
      .where('projects.domain_id', '=', viewer.domainId);
    if (scope !== 'domain') q = q.where('jobs.project_id', '=', scope.projectId);
    return q.where(mayView(viewer));
  }

  async viewableInProject(projectId: string, viewer: Viewer): Promise<JobRecord[]> {
    const rows = await this.visible({ projectId }, viewer).selectAll('jobs').execute();
    return rows.map(toJobRecord);
  }

  async summaryVisible(viewer: Viewer, since: number): Promise<JobsSummary> {
    const ids = () => this.visible('domain', viewer).select('jobs.id');
    const [jobs, builds, outcomes, artifacts] = await Promise.all([
      this.visible('domain', viewer)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('build_counts')
        .select(sql<number>`coalesce(sum(n), 0)`.as('n'))
        .where('job_id', 'in', ids())
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('builds')
        .select([
          (eb) => eb.fn.countAll().as('total'),
          sql<number>`coalesce(sum(case when state = 'SUCCESS' then 1 else 0 end), 0)`.as('success'),
        ])
        .where('job_id', 'in', ids())
        .where('start_time', '>=', since)
        .where('running_status', '=', 'Finished')
        .where('state', 'in', COUNTED_STATES)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('artifacts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('job_id', 'in', ids())
        .executeTakeFirstOrThrow(),
    ]);
    return {
      jobs: Number(jobs.n),
      builds: Number(builds.n),
      outcomes: { total: Number(outcomes.total), success: Number(outcomes.success) },
      artifacts: Number(artifacts.n),
    };
  }

  /**
   * The jobs `visible` gives, filtered, sorted and paged as `query` asks, with whether each is a
   * favourite of `viewerId`, its project's name and the viewer's role in it.
   */
  private async listJobs(scope: { projectId: string } | 'domain', query: JobListQuery, viewer: Viewer) {
    const viewerId = viewer.userId;
    // The last build is the newest that is not a BuildFlow's job (notFlowJob): a walk down the
    // job's (job_id, number) key that stops at once but past a flow's jobs.
    let q = this.visible(scope, viewer)
      .leftJoin('builds as last', (join) =>
        join
          .onRef('last.job_id', '=', 'jobs.id')
          .on('last.number', '=', (eb) =>
            eb
              .selectFrom('builds as newest')
              .select('newest.number')
              .whereRef('newest.job_id', '=', 'jobs.id')
              .where(notFlowJob('newest.id'))
              .orderBy('newest.number', 'desc')
              .limit(1),
          ),
      )
      .leftJoin('job_favourites as fav', (join) =>
        join.onRef('fav.job_id', '=', 'jobs.id').on('fav.user_id', '=', viewerId),
      );
    if (query.search) q = q.where(nameContains('jobs.name', query.search));
    if (query.creatorId) q = q.where('jobs.creator_id', '=', query.creatorId);
    if (query.favorites) q = q.where('fav.job_id', 'is not', null);
    const group = query.group;
    if (group === 'none') q = q.where('jobs.group_id', 'is', null);
    else if (group !== undefined) {
      // The group and its subgroups: their paths begin with its path (ids and dots: no LIKE escapes).
      q = q.where('jobs.group_id', 'in', (eb) =>
        eb
          .selectFrom('job_groups as g')
          .select('g.id')
          .whereRef('g.project_id', '=', 'jobs.project_id')
          .where((w) =>
            w.or([w('g.path_id', '=', group.pathId), w('g.path_id', 'like', `${group.pathId}.%`)]),
          ),
      );
    }
    const filter = query.lastBuild;
    if (filter === 'none') q = q.where('last.id', 'is', null);
    else if (filter === 'building') q = q.where('last.running_status', '!=', 'Finished');
    else if (filter) {
      q = q.where('last.running_status', '=', 'Finished').where('last.state', '=', FINISHED_STATE[filter]);
    }
    const order = query.sort.descending ? 'desc' : 'asc';
    // Names sort as people read them, whatever the case ('alpha' before 'Beta'; a byte order put
    // every capital first), the same on SQLite and PostgreSQL (lower() is Unicode on both:
    // search.ts); names differing only in case, then ids, settle the rest, so the order is total.
    const nameKey = sql<string>`lower(${sql.ref('jobs.name')})`;
    const key =
      query.sort.field === 'last_build_time'
        ? sql<number>`coalesce(${sql.ref('last.start_time')}, 0)`
        : query.sort.field === 'create_time'
          ? sql<number>`${sql.ref('jobs.created_at')}`
          : nameKey;
    const [rows, count] = await Promise.all([
      q
        .selectAll('jobs')
        .select(['fav.job_id as favorite_of', 'projects.name as project_name', 'member.role as member_role'])
        .orderBy(key, order)
        .orderBy(nameKey, order)
        .orderBy('jobs.name', order)
        .orderBy('jobs.id', order)
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }
  async isFavourite(jobId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('job_favourites')
      .select('job_id')
      .where('job_id', '=', jobId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }
  async setFavourite(jobId: string, userId: string, favourite: boolean, now: number): Promise<void> {
    if (!favourite) {
      await this.db
        .deleteFrom('job_favourites')
        .where('job_id', '=', jobId)
        .where('user_id', '=', userId)
        .execute();
      return;
    }
    await this.db
      .insertInto('job_favourites')
      .values({ job_id: jobId, user_id: userId, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'job_id']).doNothing())
      .execute();
  }
  async listAll(): Promise<JobRecord[]> {
    return (await this.live().selectAll().orderBy('id').execute()).map(toJobRecord);
  }
  async updateConfig(id: string, name: string, config: string, now: number): Promise<JobRecord | undefined> {
    return this.changeLive(id, { name, config, updated_at: now });
  }

  async lockLive(id: string): Promise<JobRecord | undefined> {
    // An update that changes nothing still takes the row's lock (select ... for update is not
    // SQLite); it sets a column no foreign key names (see UserStore.lockCredentials).
    const row = await this.db
      .updateTable('jobs')
      .set({ disabled: sql`disabled` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toJobRecord(row);
  }

  /**
   * Updates a live job and returns it as it is now; undefined when it is not live. One statement:
   * on PostgreSQL one that waited for another change's lock on the row re-reads it, so a change
   * that waited on a delete finds the job gone and changes nothing.
   */
  private async changeLive(id: string, values: Updateable<JobRow>): Promise<JobRecord | undefined> {
    const row = await this.db
      .updateTable('jobs')
      .set(values)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toJobRecord(row);
  }
  async setWebhookSecret(id: string, webhookSecretEnc: string, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ webhook_secret_enc: webhookSecretEnc, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
  }
  async replaceConfig(id: string, expected: string, config: string): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ config })
      .where('id', '=', id)
      .where('config', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async setDisabled(
    id: string,
    disabled: boolean,
    reason: string,
    now: number,
  ): Promise<JobRecord | undefined> {
    return this.changeLive(id, { disabled: disabled ? 1 : 0, disabled_reason: reason, updated_at: now });
  }
  async markDeleted(id: string, by: string, now: number): Promise<JobRecord | undefined> {
    return this.changeLive(id, { deleted_at: now, deleted_by: by, updated_at: now });
  }

  private recycled() {
    return this.db
      .selectFrom('jobs')
      .where('jobs.deleted_at', 'is not', null)
      .where('jobs.purge_requested', '=', 0);
  }

  async listRecycled(
    viewer: Viewer,
    query: { search?: string; limit: number; offset: number },
  ): Promise<{ items: RecycledJob[]; total: number }> {
    // The jobs the viewer may view, as the live lists have them: the bin does not undo a job's
    // matrix (a job hidden from a role stays hidden once deleted).
    let q = this.recycled()
      .innerJoin('projects', 'projects.id', 'jobs.project_id')
      .leftJoin('project_members as member', (join) =>
        join.onRef('member.project_id', '=', 'jobs.project_id').on('member.user_id', '=', viewer.userId),
      )
      .where('projects.domain_id', '=', viewer.domainId)
      .where(mayView(viewer));
    if (query.search) q = q.where(nameContains('jobs.name', query.search));
    const [rows, count] = await Promise.all([
      q
        .selectAll('jobs')
        .orderBy('jobs.deleted_at', 'desc')
        .orderBy('jobs.id')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toRecycledJob), total: Number(count.n) };
  }

  async findRecycledAccess(id: string, userId: string): Promise<(JobAccessRecord & RecycledJob) | undefined> {
    const found = await this.access(id, userId, sql`j.deleted_at is not null and j.purge_requested = 0`);
    return found && { ...found, ...toRecycledJob(found.row) };
  }

  async restore(id: string, now: number): Promise<JobRecord | undefined> {
    const row = await this.db
      .updateTable('jobs')
      .set({ deleted_at: null, deleted_by: null, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .where('purge_requested', '=', 0)
      .returningAll()
      .executeTakeFirst();
    return row && toJobRecord(row);
  }

  async requestPurge(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    // Only jobs still in the bin and not asked for yet: a purge that waited on a restore (or on
    // another purge) of a job counts it out, so it is not answered as done.
    const r = await this.db
      .updateTable('jobs')
      .set({ purge_requested: 1 })
      .where('id', 'in', ids)
      .where('deleted_at', 'is not', null)
      .where('purge_requested', '=', 0)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async claimPurge(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ purge_requested: 1 })
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async countLive(projectId: string): Promise<number> {
    const row = await this.live()
      .select((eb) => eb.fn.countAll().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async idsWithBuildRetention(): Promise<string[]> {
    // A cheap filter on the stored text (`_` matches itself too: no escape, which SQLite and
    // PostgreSQL spell differently); the engine reads each document for the rule itself.
    const rows = await this.live().select('id').where('config', 'like', '%"builds_keep_%').execute();
    return rows.map((r) => r.id);
  }

  async listPurgeable(now: number, defaultDays: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .innerJoin('projects', 'projects.id', 'jobs.project_id')
      .innerJoin('domains', 'domains.id', 'projects.domain_id')
      .select('jobs.id')
      .where('jobs.deleted_at', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('jobs.purge_requested', '=', 1),
          eb(
            'jobs.deleted_at',
            '<',
            // bigint: PostgreSQL would type the parameters as the integer column, and overflow.
            sql<number>`cast(${now} as bigint) - coalesce(domains.recycle_bin_days, ${defaultDays}) * cast(${DAY_MS} as bigint)`,
          ),
        ]),
      )
      .orderBy('jobs.deleted_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async removePurged(id: string): Promise<boolean> {
    const left = await this.db
      .selectFrom('builds')
      .select('id')
      .where('job_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    if (left) return false;
    // Schedules, build counts and webhook deliveries go by cascade; daily counters have no key to
    // it, and go only with the job (not those of a job back in use).
    const gone = await this.db
      .deleteFrom('jobs')
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    if (Number(gone.numDeletedRows) === 1)
      await this.db.deleteFrom('daily_counters').where('job_id', '=', id).execute();
    return true;
  }
  async allocateBuildNumber(id: string): Promise<number | undefined> {
    // The increment and the read are one statement: on PostgreSQL the row lock it takes makes
    // concurrent triggers of one job wait for each other, so no number is handed out twice. A
    // trigger that waited on a delete of the job re-reads the row and finds it deleted, so no
    // build is created for a deleted job.
    const row = await this.db
      .updateTable('jobs')
      .set({ last_build_number: sql`last_build_number + 1` })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('last_build_number', '<', MAX_BUILD_NUMBER)
      .returning('last_build_number')
      .executeTakeFirst();
    return row && Number(row.last_build_number);
  }
  async raiseBuildNumber(id: string, number: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ last_build_number: number })
      .where('id', '=', id)
      .where('last_build_number', '<', number)
      .execute();
  }
  async setGroup(projectId: string, ids: readonly string[], groupId: string | null): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db
      .updateTable('jobs')
      .set({ group_id: groupId })
      .where('project_id', '=', projectId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
  async setOwnPermissions(id: string, own: boolean): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ project_permissions: own ? 0 : 1 })
      .where('id', '=', id)
      .execute();
  }
  async anyInGroup(groupId: string): Promise<boolean> {
    const row = await this.live().select('id').where('group_id', '=', groupId).limit(1).executeTakeFirst();
    return row !== undefined;
  }
  async allocateDailyNumber(id: string, day: string): Promise<number> {
    const row = await this.db
      .insertInto('daily_counters')
      .values({ job_id: id, day, n: 1 })
      .onConflict((oc) => oc.columns(['job_id', 'day']).doUpdateSet({ n: sql`daily_counters.n + 1` }))
      .returning('n')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  async raiseDailyNumber(id: string, day: string, n: number): Promise<void> {
    await this.db
      .insertInto('daily_counters')
      .values({ job_id: id, day, n })
      .onConflict((oc) => oc.columns(['job_id', 'day']).doUpdateSet({ n }).where('daily_counters.n', '<', n))
      .execute();
  }
}

function toRecycledJob(row: Selectable<JobRow>): RecycledJob {
  return { job: toJobRecord(row), deletedAt: Number(row.deleted_at), deletedBy: row.deleted_by };
}
