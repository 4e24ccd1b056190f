import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createUser, tokenOf, uploadFile } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database, rights to one file given to one user through both
// at once (AddKeystorePermission): one row is kept, and every answer's id is that row's, so the id
// a caller was given takes the rights away again (DeleteKeystorePermission), never a 404.
describe.skipIf(!TEST_DATABASE_URL)('concurrent changes of a file’s permissions across servers', () => {
  const clock = new TestClock();
  let a: TestKiln;
  let b: TestKiln;
  let tokenA: string;
  let tokenB: string;
  let aliceId: string;

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres', clock });
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock });
    tokenA = await tokenOf(a, ADMIN);
    tokenB = await tokenOf(b, ADMIN);
    aliceId = await createUser(a, tokenA, 'alice', 'alice-password-1');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const grant = (kiln: TestKiln, token: string, keystoreId: string) =>
    kiln.call(token, {
      method: 'POST',
      url: '/v2/keystore/permission/add',
      payload: {
        keystore_id: keystoreId,
        user_id: aliceId,
        user_name: 'alice',
        setting: false,
        delete: false,
        modify: false,
        usage: true,
        can_absent: false,
      },
    });

  it('rights given to one user through both servers at once answer with the id of the row kept', async () => {
    const unknownIds: string[] = [];
    for (let round = 0; round < 8; round++) {
      const fileId = await uploadFile(a, tokenA, `granted-twice-${round}.xml`, '<settings/>');
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, i) => grant(i % 2 ? a : b, i % 2 ? tokenA : tokenB, fileId)),
      );
      for (const answer of answers) expect(answer.statusCode, answer.body).toBe(200);
      const rows = (
        await a.call(tokenA, {
          method: 'GET',
          url: `/v2/keystore/permission/${fileId}/query?page=1&page_size=100`,
        })
      ).json().result.permission_list as { id: string; user_id: string; is_creator: boolean }[];
      const kept = rows.filter((r) => !r.is_creator).map((r) => r.id);
      expect(kept).toHaveLength(1);
      for (const answer of answers) {
        const id = answer.json().result as string;
        if (!kept.includes(id)) unknownIds.push(id);
      }
    }
    // Every id answered is one DeleteKeystorePermission can take away; an id of a row that was
    // never kept gets 404 there, so the rights the caller was told about cannot be revoked by it.
    expect(unknownIds).toEqual([]);
  });
});
