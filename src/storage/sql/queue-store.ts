import { sql, type Kysely } from 'kysely';
import type { RunnerPlace } from '../../domain/resource-match.ts';
import type { QueuePlace, QueueStore } from '../ports.ts';
import type { Database } from '../schema.ts';
import { needsOf } from './mappers.ts';

/**
 * SQL QueueStore with a fair claim between projects; `skipLocked` is PostgreSQL's way to let
 * concurrent claimers pass each other.
 */
export class SqlQueueStore implements QueueStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly skipLocked: boolean,
  ) {}

  async enqueue(recordId: string, jobId: string, now: number, needs?: RunnerPlace): Promise<void> {
    await this.insert(recordId, jobId, now, undefined, needs);
  }

  async takeNext(place: RunnerPlace = {}): Promise<({ recordId: string } & QueuePlace) | undefined> {
    const taken =
      (await this.take(this.fairHead(place))) ??
      (this.skipLocked ? await this.take(this.oldest(place)) : undefined);
    if (taken === undefined) return undefined;
    // Claims are numbered by a counter rather than a clock: servers' clocks differ, and two
    // claims in the same millisecond must still be told apart. Concurrent claimers may compute
    // the same number; that only makes their projects tie for the next turn.
    await sql`insert into queue_turns (project_id, turn)
      values (${taken.projectId}, (select coalesce(max(turn), 0) + 1 from queue_turns))
      on conflict (project_id) do update set turn = excluded.turn`.execute(this.db);
    return { recordId: taken.recordId, seq: taken.seq, needs: taken.needs };
  }

  private async take(
    head: ReturnType<typeof sql<number>>,
  ): Promise<({ recordId: string; projectId: string } & QueuePlace) | undefined> {
    const row = await this.db
      .deleteFrom('build_queue')
      .where('seq', '=', head)
      .returning(['build_id', 'seq', 'project_id', 'needs_arch', 'needs_pool'])
      .executeTakeFirst();
    return (
      row && {
        recordId: row.build_id,
        seq: Number(row.seq),
        projectId: row.project_id,
        needs: needsOf(row.needs_arch, row.needs_pool),
      }
    );
  }

  /**
   * The fair pick: the oldest queued build of the project with the fewest builds held by runners
   * now; between projects with as many, the one whose last claim is longest ago (turns), then the
   * older build. With one runner slot nothing is running at claim time, so the turns alone make
   * projects alternate; with many slots a project using several waits behind one using none.
   *
   * Cost does not grow with the length of the queue: the projects with queued builds are found by
   * skipping through the index (project_id, seq) one project at a time (a loose index scan), each
   * project's head is the first entry of its range, and only builds held by runners (a partial
   * index, as many as there are runner slots) are counted. It grows with the number of projects
   * that have builds waiting.
   *
   * On PostgreSQL the head row is locked FOR UPDATE SKIP LOCKED: concurrent claimers skip a head
   * another one is taking and take the next project's head instead, so they neither wait for each
   * other nor pile onto one project. The DELETE makes the claim final when the transaction commits.
   * On SQLite the claiming transaction is the only writer, so the plain subquery is exclusive.
   */
  private fairHead(place: RunnerPlace) {
    return sql<number>`(${fairPick(this.skipLocked, place)})`;
  }

  /**
   * PostgreSQL only, when every project's head is being taken by a concurrent claimer (more
   * claimers at once than projects waiting): the oldest build nobody is taking, as before turns.
   */
  private oldest(place: RunnerPlace) {
    return sql<number>`(select seq from build_queue q where ${meets(place)}
      order by seq limit 1 for update skip locked)`;
  }

  async restore(
    recordId: string,
    jobId: string,
    seq: number,
    now: number,
    needs?: RunnerPlace,
  ): Promise<void> {
    await this.insert(recordId, jobId, now, seq, needs);
  }

  /** A queue row takes its project from the job, so the callers need not know it. */
  private async insert(
    recordId: string,
    jobId: string,
    now: number,
    seq?: number,
    needs: RunnerPlace = {},
  ): Promise<void> {
    await this.db
      .insertInto('build_queue')
      .values({
        ...(seq !== undefined && { seq }),
        build_id: recordId,
        job_id: jobId,
        project_id: (eb) => eb.selectFrom('jobs').select('project_id').where('id', '=', jobId),
        enqueued_at: now,
        needs_arch: needs.arch ?? null,
        needs_pool: needs.pool ?? null,
      })
      .execute();
  }

  async waiting(recordIds: string[]): Promise<Map<string, { seq: number; needs: RunnerPlace }>> {
    const out = new Map<string, { seq: number; needs: RunnerPlace }>();
    if (recordIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('build_queue')
      .select(['build_id', 'seq', 'needs_arch', 'needs_pool'])
      .where('build_id', 'in', recordIds)
      .execute();
    for (const r of rows)
      out.set(r.build_id, { seq: Number(r.seq), needs: needsOf(r.needs_arch, r.needs_pool) });
    return out;
  }

  async remove(recordId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('build_queue').where('build_id', '=', recordId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/**
 * The fair pick as a query of one column, seq (exported for the benchmark that prints its plan).
 * Every part is an index probe. A project's head is the first entry at or after its id in
 * (project_id, seq): a range rather than `project_id = p`, because with an equality PostgreSQL may
 * prefer walking the primary key in seq order, filtering by project, and so read one project's
 * backlog to find another's head. On PostgreSQL the ranked heads are then fetched by primary key
 * through `= any(array)`, so the planner cannot hash-join the whole queue instead, and are locked
 * in the array's order.
 *
 * A project's head is its oldest build the claiming runner can run (`meets`): builds handed back
 * for another arch or pool are passed over, so the range is bounded on both sides (a project whose
 * builds all need elsewhere has no head, rather than lending it the next project's). Such builds
 * are few (handed back once each) and a runner reads past them within its project's range only.
 */
export function fairPick(skipLocked: boolean, place: RunnerPlace = {}) {
  const ranked = sql`
    with recursive projects(project_id) as (
      select (select project_id from build_queue order by project_id limit 1)
      union all
      select (select q.project_id from build_queue q where q.project_id > p.project_id
              order by q.project_id limit 1)
      from projects p where p.project_id is not null
    ),
    running(project_id, n) as (
      select j.project_id, count(*) from builds b join jobs j on j.id = b.job_id
      where b.lease_expires_at is not null group by j.project_id
    ),
    heads(seq, n, turn) as (
      select (select q.seq from build_queue q
              where q.project_id >= p.project_id and q.project_id <= p.project_id and ${meets(place)}
              order by q.project_id, q.seq limit 1),
             coalesce(r.n, 0), coalesce(t.turn, 0)
      from projects p
      left join running r on r.project_id = p.project_id
      left join queue_turns t on t.project_id = p.project_id
      where p.project_id is not null
    )`;
  if (!skipLocked)
    return sql`${ranked} select seq from heads where seq is not null order by n, turn, seq limit 1`;
  return sql`${ranked},
    pick(seqs) as (select array_agg(seq order by n, turn, seq) from heads where seq is not null)
    select q.seq from build_queue q, pick
    where q.seq = any(pick.seqs)
    order by array_position(pick.seqs, q.seq) limit 1
    for update of q skip locked`;
}

/**
 * Queue rows (aliased `q`) a runner at `place` can run: those that need nothing it differs in. A
 * runner that said nothing of its place compares with null, which never equals: it takes only
 * builds that need nothing.
 */
function meets(place: RunnerPlace) {
  const arch = place.arch ?? null;
  const pool = place.pool ?? null;
  return sql`(q.needs_arch is null or q.needs_arch = ${arch}) and (q.needs_pool is null or q.needs_pool = ${pool})`;
}
