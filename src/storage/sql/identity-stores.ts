import { sql, type Kysely } from 'kysely';
import type { Domain, IamProject, Membership, Project, User } from '../../domain/identity.ts';
import type { Role } from '../../domain/roles.ts';
import type {
  DomainStore,
  IamProjectStore,
  ProjectStore,
  ProjectWithRole,
  TokenRecord,
  TokenSession,
  TokenStore,
  UserCredentials,
  UserStore,
} from '../ports.ts';
import type { Database, TokenRow, UserRow } from '../schema.ts';
import { nameContains } from './search.ts';
import { toDomain, toIamProject, toProject, toTokenRecord, tokenToRow, toUser } from './mappers.ts';

/** SQL DomainStore, shared by the SQLite and PostgreSQL adapters. */
export class SqlDomainStore implements DomainStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(d: Domain): Promise<void> {
    await this.db.insertInto('domains').values({ id: d.id, name: d.name, created_at: d.createdAt }).execute();
  }
  async findById(id: string): Promise<Domain | undefined> {
    const row = await this.db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDomain(row);
  }
  async findByName(name: string): Promise<Domain | undefined> {
    const row = await this.db.selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toDomain(row);
  }
  async list(): Promise<Domain[]> {
    return (await this.db.selectFrom('domains').selectAll().orderBy('name').execute()).map(toDomain);
  }
  async setRecycleBinDays(id: string, days: number): Promise<void> {
    await this.db.updateTable('domains').set({ recycle_bin_days: days }).where('id', '=', id).execute();
  }
}

function toCredentials(row: Pick<UserRow, 'password_hash'> & Parameters<typeof toUser>[0]): UserCredentials {
  return {
    user: toUser(row),
    passwordHash: row.password_hash,
  };
}

/** SQL UserStore. */
export class SqlUserStore implements UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(u: User, passwordHash: string): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: u.id,
        domain_id: u.domainId,
        name: u.name,
        display_name: u.displayName,
        password_hash: passwordHash,
        is_admin: u.isAdmin ? 1 : 0,
        disabled: u.disabled ? 1 : 0,
        created_at: u.createdAt,
        updated_at: u.createdAt,
      })
      .execute();
  }
  async findById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }
  async findCredentialsByName(domainId: string, name: string): Promise<UserCredentials | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toCredentials(row);
  }
  async findCredentialsById(id: string): Promise<UserCredentials | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCredentials(row);
  }
  async listByDomain(domainId: string): Promise<User[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('domain_id', '=', domainId)
      .orderBy('name')
      .execute();
    return rows.map(toUser);
  }
  async setPassword(id: string, passwordHash: string, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: now })
      .where('id', '=', id)
      .execute();
  }
  async update(
    id: string,
    changes: { displayName?: string; isAdmin?: boolean; disabled?: boolean },
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        updated_at: now,
        ...(changes.displayName !== undefined && { display_name: changes.displayName }),
        ...(changes.isAdmin !== undefined && { is_admin: changes.isAdmin ? 1 : 0 }),
        ...(changes.disabled !== undefined && { disabled: changes.disabled ? 1 : 0 }),
      })
      .where('id', '=', id)
      .execute();
  }
  async replacePasswordHash(id: string, expected: string, replacement: string): Promise<boolean> {
    const r = await this.db
      .updateTable('users')
      .set({ password_hash: replacement })
      .where('id', '=', id)
      .where('password_hash', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async lockCredentials(id: string, passwordHash: string): Promise<boolean> {
    // An update that changes nothing still takes the row's lock (select ... for update is not
    // SQLite); behind a password change in flight it waits, then reads the new hash. It sets a
    // column no foreign key names: `id = id` made SQLite check every table that refers to users.
    const r = await this.db
      .updateTable('users')
      .set({ disabled: sql`disabled` })
      .where('id', '=', id)
      .where('password_hash', '=', passwordHash)
      .where('disabled', '=', 0)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async lockEnabledAdmins(domainId: string): Promise<string[]> {
    // The no-op update takes the rows' locks (see lockCredentials); rows another transaction
    // changes meanwhile are waited for and read again, so a demoted admin is not among them.
    const rows = await this.db
      .updateTable('users')
      .set({ disabled: sql`disabled` })
      .where('domain_id', '=', domainId)
      .where('is_admin', '=', 1)
      .where('disabled', '=', 0)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }
}

/** SQL IamProjectStore. */
export class SqlIamProjectStore implements IamProjectStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(p: IamProject): Promise<void> {
    await this.db
      .insertInto('iam_projects')
      .values({ id: p.id, domain_id: p.domainId, name: p.name })
      .execute();
  }
  async findById(id: string): Promise<IamProject | undefined> {
    const row = await this.db.selectFrom('iam_projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toIamProject(row);
  }
  async listByDomain(domainId: string): Promise<IamProject[]> {
    const rows = await this.db
      .selectFrom('iam_projects')
      .selectAll()
      .where('domain_id', '=', domainId)
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toIamProject);
  }
  async findByName(domainId: string, name: string): Promise<IamProject | undefined> {
    const row = await this.db
      .selectFrom('iam_projects')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toIamProject(row);
  }
}

/** SQL ProjectStore. */
export class SqlProjectStore implements ProjectStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(p: Project): Promise<void> {
    await this.db
      .insertInto('projects')
      .values({
        id: p.id,
        domain_id: p.domainId,
        name: p.name,
        description: p.description,
        creator_id: p.creatorId,
        created_at: p.createdAt,
      })
      .execute();
  }
  async findById(id: string): Promise<Project | undefined> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  }
  async findByName(domainId: string, name: string): Promise<Project | undefined> {
    const row = await this.db
      .selectFrom('projects')
      .selectAll()
      .where('domain_id', '=', domainId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toProject(row);
  }
  async listVisible(
    userId: string,
    domainId: string,
    allOfDomain: boolean,
    page: { offset: number; limit: number; search?: string },
  ): Promise<{ items: ProjectWithRole[]; total: number }> {
    let q = this.db
      .selectFrom('projects as p')
      .leftJoin('project_members as m', (j) =>
        j.onRef('m.project_id', '=', 'p.id').on('m.user_id', '=', userId),
      )
      .where('p.domain_id', '=', domainId);
    if (!allOfDomain) q = q.where('m.user_id', 'is not', null);
    if (page.search) q = q.where(nameContains('p.name', page.search));
    const [rows, count] = await Promise.all([
      q
        .selectAll('p')
        .select('m.role')
        .orderBy('p.name')
        .orderBy('p.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((r) => ({ project: toProject(r), role: (r.role ?? undefined) as Role | undefined })),
      total: Number(count.n),
    };
  }
  async setMember(m: Membership, now: number): Promise<void> {
    await this.db
      .insertInto('project_members')
      .values({ project_id: m.projectId, user_id: m.userId, role: m.role, created_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role: m.role }))
      .execute();
  }
  async removeMember(projectId: string, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('project_members')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async lockForChanges(projectId: string): Promise<void> {
    // An update that changes nothing still takes the row's lock (select ... for update is not SQLite).
    await this.db
      .updateTable('projects')
      .set({ id: sql`id` })
      .where('id', '=', projectId)
      .execute();
  }
  async findRole(projectId: string, userId: string): Promise<Role | undefined> {
    const row = await this.db
      .selectFrom('project_members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role as Role | undefined;
  }
  async listMembers(projectId: string): Promise<(Membership & { userName: string; displayName: string })[]> {
    const rows = await this.db
      .selectFrom('project_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.project_id', 'm.user_id', 'm.role', 'u.name', 'u.display_name'])
      .where('m.project_id', '=', projectId)
      .orderBy('u.name')
      .execute();
    return rows.map((r) => ({
      projectId: r.project_id,
      userId: r.user_id,
      role: r.role as Role,
      userName: r.name,
      displayName: r.display_name,
    }));
  }
}

/** Columns the session query adds to a token row. */
interface SessionColumns {
  u_domain_id: string;
  u_name: string;
  u_display_name: string;
  u_is_admin: number;
  u_disabled: number;
  u_created_at: number;
  d_name: string;
  d_created_at: number;
  p_name: string | null;
}

/** SQL TokenStore. */
export class SqlTokenStore implements TokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(t: TokenRecord): Promise<void> {
    await this.db.insertInto('tokens').values(tokenToRow(t)).execute();
  }
  async findById(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTokenRecord(row);
  }
  async findSession(id: string): Promise<TokenSession | undefined> {
    const { rows } = await sql<TokenRow & SessionColumns>`
      select t.id, t.user_id, t.scope, t.iam_project_id, t.issued_at, t.expires_at, t.revoked_at,
        u.domain_id as u_domain_id, u.name as u_name, u.display_name as u_display_name,
        u.is_admin as u_is_admin, u.disabled as u_disabled, u.created_at as u_created_at,
        d.name as d_name, d.created_at as d_created_at, p.name as p_name
      from tokens t
        join users u on u.id = t.user_id
        join domains d on d.id = u.domain_id
        left join iam_projects p on p.id = t.iam_project_id
      where t.id = ${id}`.execute(this.db);
    const r = rows[0];
    if (!r) return undefined;
    return {
      token: toTokenRecord(r),
      user: toUser({
        id: r.user_id,
        domain_id: r.u_domain_id,
        name: r.u_name,
        display_name: r.u_display_name,
        is_admin: r.u_is_admin,
        disabled: r.u_disabled,
        created_at: r.u_created_at,
      }),
      domain: toDomain({ id: r.u_domain_id, name: r.d_name, created_at: r.d_created_at }),
      iamProject:
        r.iam_project_id && r.p_name !== null
          ? toIamProject({ id: r.iam_project_id, domain_id: r.u_domain_id, name: r.p_name })
          : undefined,
    };
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async revokeAllForUser(userId: string, now: number): Promise<number> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
  async deleteExpired(before: number): Promise<number> {
    const r = await this.db.deleteFrom('tokens').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
