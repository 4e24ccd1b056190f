import type { Kysely, Selectable } from 'kysely';
import type { TemplateRecord, TemplateStore } from '../ports.ts';
import type { BuildTemplateRow, Database } from '../schema.ts';
import { nameContains } from './search.ts';

function toTemplate(r: Selectable<BuildTemplateRow>): TemplateRecord {
  return {
    uuid: r.uuid,
    domainId: r.domain_id,
    name: r.name,
    description: r.description,
    toolType: r.tool_type,
    steps: r.steps,
    parameters: r.parameters,
    creatorId: r.creator_id,
    createdAt: Number(r.created_at),
  };
}

/** SQL TemplateStore. */
export class SqlTemplateStore implements TemplateStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(t: TemplateRecord): Promise<void> {
    await this.db
      .insertInto('build_templates')
      .values({
        uuid: t.uuid,
        domain_id: t.domainId,
        name: t.name,
        description: t.description,
        tool_type: t.toolType,
        steps: t.steps,
        parameters: t.parameters,
        creator_id: t.creatorId,
        created_at: t.createdAt,
      })
      .execute();
  }

  async find(domainId: string, uuid: string): Promise<TemplateRecord | undefined> {
    const row = await this.db
      .selectFrom('build_templates')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('uuid', '=', uuid)
      .executeTakeFirst();
    return row && toTemplate(row);
  }

  async list(
    domainId: string,
    page: { name?: string; offset: number; limit: number },
  ): Promise<{ items: TemplateRecord[]; total: number }> {
    let q = this.db.selectFrom('build_templates').where('domain_id', '=', domainId);
    if (page.name) q = q.where(nameContains('name', page.name));
    const rows = await q
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('uuid')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const count = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map(toTemplate), total: Number(count.n) };
  }

  async delete(uuid: string): Promise<boolean> {
    const r = await this.db.deleteFrom('build_templates').where('uuid', '=', uuid).executeTakeFirst();
    await this.db.deleteFrom('template_favourites').where('template_uuid', '=', uuid).execute();
    return Number(r.numDeletedRows) > 0;
  }

  async favourites(userId: string, uuids: readonly string[]): Promise<Set<string>> {
    if (uuids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('template_favourites')
      .select('template_uuid')
      .where('user_id', '=', userId)
      .where('template_uuid', 'in', uuids)
      .execute();
    return new Set(rows.map((r) => r.template_uuid));
  }

  async setFavourite(userId: string, uuid: string, favourite: boolean, now: number): Promise<void> {
    if (!favourite) {
      await this.db
        .deleteFrom('template_favourites')
        .where('user_id', '=', userId)
        .where('template_uuid', '=', uuid)
        .execute();
      return;
    }
    await this.db
      .insertInto('template_favourites')
      .values({ user_id: userId, template_uuid: uuid, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'template_uuid']).doNothing())
      .execute();
  }

  async recordUse(use: {
    jobId: string;
    templateUuid: string;
    domainId: string;
    userId: string;
    at: number;
  }): Promise<void> {
    const values = { template_uuid: use.templateUuid, user_id: use.userId, used_at: use.at };
    await this.db
      .insertInto('template_uses')
      .values({ job_id: use.jobId, domain_id: use.domainId, ...values })
      .onConflict((oc) => oc.column('job_id').doUpdateSet(values))
      .execute();
  }

  async useCounts(domainId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('template_uses')
      .select((eb) => ['template_uuid', eb.fn.countAll<number>().as('n')])
      .where('domain_id', '=', domainId)
      .groupBy('template_uuid')
      .execute();
    return new Map(rows.map((r) => [r.template_uuid, Number(r.n)]));
  }
}
