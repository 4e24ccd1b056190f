import type { Kysely, Selectable } from 'kysely';
import type { Keystore, KeystorePermission, KeystoreRights } from '../../domain/keystore.ts';
import type { KeystoreStore, KeystoreWithGrant } from '../ports.ts';
import type { Database, KeystorePermissionRow, KeystoreRow } from '../schema.ts';
import { nameContains } from './search.ts';

const FILE_COLUMNS = [
  'id',
  'domain_id',
  'name',
  'description',
  'share',
  'size',
  'sha256',
  'creator_id',
  'created_at',
  'updater_id',
  'updated_at',
] as const;

function toFile(r: Omit<Selectable<KeystoreRow>, 'content'>): Keystore {
  return {
    id: r.id,
    domainId: r.domain_id,
    name: r.name,
    description: r.description,
    share: Number(r.share),
    size: Number(r.size),
    sha256: r.sha256,
    creatorId: r.creator_id,
    createdAt: Number(r.created_at),
    updaterId: r.updater_id,
    updatedAt: Number(r.updated_at),
  };
}

function toPermission(r: Selectable<KeystorePermissionRow>): KeystorePermission {
  return {
    id: r.id,
    keystoreId: r.keystore_id,
    userId: r.user_id,
    setting: Number(r.setting) === 1,
    delete: Number(r.can_delete) === 1,
    modify: Number(r.modify) === 1,
    usage: Number(r.usage) === 1,
    canAbsent: Number(r.can_absent) === 1,
    createdAt: Number(r.created_at),
  };
}

const rights = (r: {
  setting: number;
  can_delete: number;
  modify: number;
  usage: number;
}): KeystoreRights => ({
  setting: Number(r.setting) === 1,
  delete: Number(r.can_delete) === 1,
  modify: Number(r.modify) === 1,
  usage: Number(r.usage) === 1,
});

/** SQL KeystoreStore. */
export class SqlKeystoreStore implements KeystoreStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(f: Keystore, sealed: Uint8Array): Promise<void> {
    await this.db
      .insertInto('keystores')
      .values({
        id: f.id,
        domain_id: f.domainId,
        name: f.name,
        description: f.description,
        share: f.share,
        size: f.size,
        sha256: f.sha256,
        content: sealed,
        creator_id: f.creatorId,
        created_at: f.createdAt,
        updater_id: f.updaterId,
        updated_at: f.updatedAt,
      })
      .execute();
  }

  async find(domainId: string, id: string): Promise<Keystore | undefined> {
    const row = await this.db
      .selectFrom('keystores')
      .select(FILE_COLUMNS)
      .where('domain_id', '=', domainId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toFile(row);
  }

  async findByName(domainId: string, name: string): Promise<Keystore | undefined> {
    const row = await this.db
      .selectFrom('keystores')
      .select(FILE_COLUMNS)
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toFile(row);
  }

  async content(id: string): Promise<Uint8Array | undefined> {
    const row = await this.db
      .selectFrom('keystores')
      .select('content')
      .where('id', '=', id)
      .executeTakeFirst();
    return row && new Uint8Array(row.content);
  }

  async list(
    domainId: string,
    userId: string,
    page: { search?: string; offset: number; limit: number },
  ): Promise<{ items: KeystoreWithGrant[]; total: number }> {
    let q = this.db.selectFrom('keystores as k').where('k.domain_id', '=', domainId);
    if (page.search) q = q.where(nameContains('k.name', page.search));
    const rows = await q
      .leftJoin('keystore_permissions as p', (j) =>
        j.onRef('p.keystore_id', '=', 'k.id').on('p.user_id', '=', userId),
      )
      .select(FILE_COLUMNS.map((c) => `k.${c}` as const))
      .select(['p.setting', 'p.can_delete', 'p.modify', 'p.usage'])
      .orderBy('k.name')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const count = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return {
      total: Number(count.n),
      items: rows.map((r) => ({
        file: toFile(r),
        granted:
          r.setting === null || r.can_delete === null || r.modify === null || r.usage === null
            ? undefined
            : rights({ setting: r.setting, can_delete: r.can_delete, modify: r.modify, usage: r.usage }),
      })),
    };
  }

  async update(
    id: string,
    changes: { name: string; description: string; share: number },
    content: { sealed: Uint8Array; size: number; sha256: string } | undefined,
    updaterId: string,
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable('keystores')
      .set({
        ...changes,
        ...(content && { content: content.sealed, size: content.size, sha256: content.sha256 }),
        updater_id: updaterId,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('keystores').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async permissions(keystoreId: string): Promise<KeystorePermission[]> {
    const rows = await this.db
      .selectFrom('keystore_permissions')
      .selectAll()
      .where('keystore_id', '=', keystoreId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toPermission);
  }

  async permission(id: string): Promise<KeystorePermission | undefined> {
    const row = await this.db
      .selectFrom('keystore_permissions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toPermission(row);
  }

  async granted(keystoreId: string, userId: string): Promise<KeystoreRights | undefined> {
    const row = await this.db
      .selectFrom('keystore_permissions')
      .select(['setting', 'can_delete', 'modify', 'usage'])
      .where('keystore_id', '=', keystoreId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && rights(row);
  }

  async putPermission(p: KeystorePermission): Promise<string> {
    const values = {
      setting: p.setting ? 1 : 0,
      can_delete: p.delete ? 1 : 0,
      modify: p.modify ? 1 : 0,
      usage: p.usage ? 1 : 0,
      can_absent: p.canAbsent ? 1 : 0,
    };
    // RETURNING gives the id of the row that is kept: a concurrent grant's row when it won the
    // insert, so every caller is answered an id DeleteKeystorePermission knows.
    const row = await this.db
      .insertInto('keystore_permissions')
      .values({ id: p.id, keystore_id: p.keystoreId, user_id: p.userId, created_at: p.createdAt, ...values })
      .onConflict((oc) => oc.columns(['keystore_id', 'user_id']).doUpdateSet(values))
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async updatePermission(
    id: string,
    r: Omit<KeystoreRights, 'setting'> & { canAbsent: boolean },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('keystore_permissions')
      .set({
        can_delete: r.delete ? 1 : 0,
        modify: r.modify ? 1 : 0,
        usage: r.usage ? 1 : 0,
        can_absent: r.canAbsent ? 1 : 0,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deletePermission(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('keystore_permissions').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async recordAccess(a: {
    keystoreId: string;
    at: number;
    userId: string;
    how: string;
    recordId: string | null;
  }): Promise<void> {
    await this.db
      .insertInto('keystore_accesses')
      .values({ keystore_id: a.keystoreId, at: a.at, user_id: a.userId, how: a.how, record_id: a.recordId })
      .execute();
  }
}
