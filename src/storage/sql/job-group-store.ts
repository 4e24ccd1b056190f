import { sql, type Kysely, type Selectable } from 'kysely';
import type { JobGroup, JobGroupStore } from '../ports.ts';
import type { Database, JobGroupRow } from '../schema.ts';

function toJobGroup(r: Selectable<JobGroupRow>): JobGroup {
  return {
    id: r.id,
    projectId: r.project_id,
    parentId: r.parent_id,
    name: r.name,
    ordinal: Number(r.ordinal),
    pathId: r.path_id,
    creatorId: r.creator_id,
    createdAt: Number(r.created_at),
    updaterId: r.updater_id,
    updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}

/** SQL JobGroupStore. */
export class SqlJobGroupStore implements JobGroupStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(g: JobGroup): Promise<void> {
    await this.db
      .insertInto('job_groups')
      .values({
        id: g.id,
        project_id: g.projectId,
        parent_id: g.parentId,
        name: g.name,
        ordinal: g.ordinal,
        path_id: g.pathId,
        creator_id: g.creatorId,
        created_at: g.createdAt,
        updater_id: g.updaterId,
        updated_at: g.updatedAt,
      })
      .execute();
  }

  async find(projectId: string, id: string): Promise<JobGroup | undefined> {
    const row = await this.db
      .selectFrom('job_groups')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toJobGroup(row);
  }

  async listByProject(projectId: string): Promise<JobGroup[]> {
    const rows = await this.db
      .selectFrom('job_groups')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('ordinal')
      .orderBy('id')
      .execute();
    return rows.map(toJobGroup);
  }

  private children(projectId: string, parentId: string | null) {
    return this.db
      .selectFrom('job_groups')
      .where('project_id', '=', projectId)
      .where('parent_id', parentId === null ? 'is' : '=', parentId);
  }

  async findChild(projectId: string, parentId: string | null, name: string): Promise<JobGroup | undefined> {
    const row = await this.children(projectId, parentId)
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toJobGroup(row);
  }

  async nextOrdinal(projectId: string, parentId: string | null): Promise<number> {
    const row = await this.children(projectId, parentId)
      .select((eb) => eb.fn.max('ordinal').as('last'))
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
  }

  async update(g: JobGroup, oldPathId: string): Promise<void> {
    await this.db
      .updateTable('job_groups')
      .set({
        name: g.name,
        parent_id: g.parentId,
        ordinal: g.ordinal,
        path_id: g.pathId,
        updater_id: g.updaterId,
        updated_at: g.updatedAt,
      })
      .where('id', '=', g.id)
      .execute();
    if (g.pathId === oldPathId) return;
    // Path ids are ids and dots only, so the prefix needs no escaping in LIKE.
    await this.db
      .updateTable('job_groups')
      .set({ path_id: sql`${g.pathId} || substr(path_id, ${oldPathId.length + 1})` })
      .where('project_id', '=', g.projectId)
      .where('path_id', 'like', `${oldPathId}.%`)
      .execute();
  }

  async setOrdinals(a: { id: string; ordinal: number }, b: { id: string; ordinal: number }): Promise<void> {
    for (const g of [a, b])
      await this.db.updateTable('job_groups').set({ ordinal: g.ordinal }).where('id', '=', g.id).execute();
  }

  async hasChildren(id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('job_groups')
      .select('id')
      .where('parent_id', '=', id)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async delete(id: string): Promise<void> {
    // The binned jobs in it go to no group (the key's ON DELETE SET NULL).
    await this.db.deleteFrom('job_groups').where('id', '=', id).execute();
  }
}
