import type { Kysely, Selectable } from 'kysely';
import type { Artifact, BuildWithArtifacts } from '../../domain/artifact.ts';
import type { ArtifactStore } from '../ports.ts';
import type { ArtifactRow, Database } from '../schema.ts';

const toArtifact = (r: Selectable<ArtifactRow>): Artifact => ({
  id: r.id,
  recordId: r.build_id,
  jobId: r.job_id,
  buildNumber: Number(r.build_number),
  name: r.name,
  version: r.version,
  size: Number(r.size),
  sha256: r.sha256,
  contentType: r.content_type,
  createdAt: Number(r.created_at),
});

/** Ids per statement when asking which are known (well under both databases' parameter limits). */
const BATCH = 500;

/** SQL ArtifactStore. */
export class SqlArtifactStore implements ArtifactStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(a: Artifact): Promise<string | undefined> {
    const replaced = await this.db
      .deleteFrom('artifacts')
      .where('build_id', '=', a.recordId)
      .where('name', '=', a.name)
      .returning('id')
      .executeTakeFirst();
    await this.db
      .insertInto('artifacts')
      .values({
        id: a.id,
        build_id: a.recordId,
        job_id: a.jobId,
        build_number: a.buildNumber,
        name: a.name,
        version: a.version,
        size: a.size,
        sha256: a.sha256,
        content_type: a.contentType,
        created_at: a.createdAt,
      })
      .execute();
    return replaced?.id;
  }

  async find(recordId: string, name: string): Promise<Artifact | undefined> {
    const row = await this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('build_id', '=', recordId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toArtifact(row);
  }

  async listByBuild(recordId: string): Promise<Artifact[]> {
    const rows = await this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('build_id', '=', recordId)
      .orderBy('name')
      .execute();
    return rows.map(toArtifact);
  }

  async known(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('artifacts')
        .select('id')
        .where('id', 'in', ids.slice(i, i + BATCH))
        .execute();
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  async deleteByBuilds(recordIds: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < recordIds.length; i += BATCH) {
      const rows = await this.db
        .deleteFrom('artifacts')
        .where('build_id', 'in', recordIds.slice(i, i + BATCH))
        .returning('id')
        .execute();
      ids.push(...rows.map((r) => r.id));
    }
    return ids;
  }

  async jobsWithArtifacts(): Promise<string[]> {
    const rows = await this.db.selectFrom('artifacts').select('job_id').distinct().execute();
    return rows.map((r) => r.job_id);
  }

  async buildsWithArtifacts(jobId: string): Promise<BuildWithArtifacts[]> {
    const rows = await this.db
      .selectFrom('builds')
      // A flow's job: its flow's build (retention keeps a flow's jobs' artifacts together).
      .leftJoin('flow_jobs', 'flow_jobs.child_id', 'builds.id')
      .leftJoin('builds as flow', 'flow.id', 'flow_jobs.parent_id')
      .select([
        'builds.id',
        'builds.number',
        'builds.state',
        'builds.finished_at',
        'flow.id as flow_id',
        'flow.finished_at as flow_finished_at',
      ])
      .where('builds.job_id', '=', jobId)
      .where((eb) =>
        eb.exists(
          eb.selectFrom('artifacts').select('artifacts.id').whereRef('artifacts.build_id', '=', 'builds.id'),
        ),
      )
      .orderBy('builds.number', 'desc')
      .execute();
    return rows.map((r) => ({
      recordId: r.id,
      number: Number(r.number),
      state: r.state,
      finishedAt: r.finished_at === null ? null : Number(r.finished_at),
      ...(r.flow_id !== null && {
        flow: {
          recordId: r.flow_id,
          finishedAt: r.flow_finished_at === null ? null : Number(r.flow_finished_at),
        },
      }),
    }));
  }
}
