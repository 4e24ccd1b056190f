import type { Kysely } from 'kysely';
import type { FlowStrategy } from '../../domain/build-flow.ts';
import type { FlowJobProgress, FlowJobRecord, FlowStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** SQL FlowStore. */
export class SqlFlowStore implements FlowStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(parentId: string, strategy: FlowStrategy, jobs: FlowJobRecord[]): Promise<void> {
    await this.db
      .insertInto('build_flows')
      .values({ parent_id: parentId, strategy, job_count: jobs.length })
      .execute();
    await this.db
      .insertInto('flow_jobs')
      .values(
        jobs.map((j) => ({
          child_id: j.childId,
          parent_id: parentId,
          position: j.position,
          name: j.name,
          depends_on: JSON.stringify(j.dependsOn),
          build_ref: j.buildRef,
          started: j.started ? 1 : 0,
        })),
      )
      .execute();
  }

  async find(parentId: string): Promise<{ strategy: FlowStrategy; jobs: FlowJobRecord[] } | undefined> {
    const flow = await this.db
      .selectFrom('build_flows')
      .select('strategy')
      .where('parent_id', '=', parentId)
      .executeTakeFirst();
    if (!flow) return undefined;
    const rows = await this.db
      .selectFrom('flow_jobs')
      .selectAll()
      .where('parent_id', '=', parentId)
      .orderBy('position')
      .execute();
    return {
      strategy: flow.strategy as FlowStrategy,
      jobs: rows.map((r) => ({
        childId: r.child_id,
        position: Number(r.position),
        name: r.name,
        dependsOn: JSON.parse(r.depends_on) as string[],
        buildRef: r.build_ref,
        started: Number(r.started) === 1,
      })),
    };
  }

  async progress(parentId: string): Promise<FlowJobProgress[] | undefined> {
    const rows = await this.db
      .selectFrom('build_flows')
      .leftJoin('flow_jobs', 'flow_jobs.parent_id', 'build_flows.parent_id')
      .leftJoin('builds', 'builds.id', 'flow_jobs.child_id')
      .select([
        'build_flows.strategy',
        'build_flows.job_count',
        'flow_jobs.child_id',
        'flow_jobs.position',
        'flow_jobs.name',
        'flow_jobs.depends_on',
        'flow_jobs.build_ref',
        'flow_jobs.started',
        'builds.running_status',
        'builds.state',
        'builds.cancel_requested',
      ])
      .where('build_flows.parent_id', '=', parentId)
      .orderBy('flow_jobs.position')
      .execute();
    if (rows.length === 0) return undefined;
    const strategy = rows[0]!.strategy as FlowStrategy;
    const jobs: FlowJobProgress[] = [];
    for (const r of rows)
      if (r.child_id !== null && r.running_status !== null)
        jobs.push({
          childId: r.child_id,
          position: Number(r.position),
          name: r.name ?? '',
          dependsOn: JSON.parse(r.depends_on ?? '[]') as string[],
          buildRef: r.build_ref ?? '',
          started: Number(r.started) === 1,
          strategy,
          missing: false,
          runningStatus: r.running_status,
          state: r.state ?? '',
          cancelRequested: Number(r.cancel_requested) === 1,
        });
    // A job's row goes with its build (cascade): the flow's job count tells the positions lost.
    const present = new Set(jobs.map((j) => j.position));
    for (let position = 0; position < Number(rows[0]!.job_count); position++)
      if (!present.has(position))
        jobs.push({
          childId: '',
          position,
          name: `(job ${position + 1}, its build deleted)`,
          dependsOn: [],
          buildRef: '',
          started: true,
          strategy,
          missing: true,
          runningStatus: 'Finished',
          state: '',
          cancelRequested: false,
        });
    return jobs.sort((a, b) => a.position - b.position);
  }

  async parentOf(childId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('flow_jobs')
      .select('parent_id')
      .where('child_id', '=', childId)
      .executeTakeFirst();
    return row?.parent_id;
  }

  async markStarted(childId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('flow_jobs')
      .set({ started: 1 })
      .where('child_id', '=', childId)
      .where('started', '=', 0)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async listOpen(limit: number, after?: string): Promise<string[]> {
    let q = this.db
      .selectFrom('build_flows')
      .innerJoin('builds', 'builds.id', 'build_flows.parent_id')
      .select('build_flows.parent_id')
      .where('builds.running_status', '<>', 'Finished');
    if (after !== undefined) q = q.where('build_flows.parent_id', '>', after);
    const rows = await q.orderBy('build_flows.parent_id').limit(limit).execute();
    return rows.map((r) => r.parent_id);
  }
}
