import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createDomain, createUser, tokenOf } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database, a domain with two administrators, each of whom
// takes the other's administrator role away (or disables the other) at the same moment through a
// different server. One at a time this cannot leave the domain without an administrator: nobody
// may drop their own role or disable themselves, and the second change is refused (403) once its
// caller is no longer an administrator. At once, both are answered 200 and the domain is left with
// no enabled administrator: nobody can manage its users, projects or files any more.
describe.skipIf(!TEST_DATABASE_URL)('two administrators demoting each other, across servers', () => {
  const clock = new TestClock();
  let a: TestKiln;
  let b: TestKiln;
  let root: string;

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres', clock });
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock });
    root = await tokenOf(a, ADMIN);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const enabledAdmins = async (domainId: string) =>
    (await a.storage.users.listByDomain(domainId)).filter((u) => u.isAdmin && !u.disabled);

  for (const change of [{ is_admin: false }, { disabled: true }]) {
    it(`leaves the domain an enabled administrator when both send ${JSON.stringify(change)} at once`, async () => {
      const orphaned: string[] = [];
      for (let round = 0; round < 6; round++) {
        const domain = `team-${Object.keys(change)[0]!.replace('_', '-')}-${round}`;
        const { domain_id: domainId } = await createDomain(a, root, domain, 'first', 'first-password-1');
        const first = await tokenOf(a, { name: 'first', password: 'first-password-1', domain });
        await createUser(a, first, 'second', 'second-password-1', { is_admin: true });
        const second = await tokenOf(b, { name: 'second', password: 'second-password-1', domain });
        const answers = await Promise.all([
          a.call(first, { method: 'PUT', url: '/v1/kiln/users/second', payload: change }),
          b.call(second, { method: 'PUT', url: '/v1/kiln/users/first', payload: change }),
        ]);
        const statuses = answers.map((r) => r.statusCode).sort();
        if ((await enabledAdmins(domainId)).length === 0) orphaned.push(`${domain}: ${statuses.join(', ')}`);
      }
      expect(orphaned).toEqual([]);
    });
  }
});
