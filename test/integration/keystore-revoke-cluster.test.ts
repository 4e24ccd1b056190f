import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createUser, tokenOf, uploadFile } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database: a user's rights to a file of the file manager are
// taken away through one (DeleteKeystorePermission) while they are changed through the other
// (UpdateKeystorePermission). In either order the user ends without rights once the take-away was
// answered done: a change that read the row before it was deleted must not write it back, or the
// rights an owner was told were gone come back (and the user can use the file again).
describe.skipIf(!TEST_DATABASE_URL)('rights to a file taken away while changed, across servers', () => {
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

  it('rights taken away (200) stay taken away, whatever a change at the same moment answered', async () => {
    const resurrected: string[] = [];
    for (let round = 0; round < 16; round++) {
      const fileId = await uploadFile(a, tokenA, `revoked-${round}.xml`, '<settings/>');
      const given = await a.call(tokenA, {
        method: 'POST',
        url: '/v2/keystore/permission/add',
        payload: {
          keystore_id: fileId,
          user_id: aliceId,
          user_name: 'alice',
          setting: false,
          delete: false,
          modify: false,
          usage: true,
          can_absent: false,
        },
      });
      expect(given.statusCode, given.body).toBe(200);
      const permissionId = given.json().result as string;
      const [revoked] = await Promise.all([
        b.call(tokenB, { method: 'DELETE', url: `/v2/keystore/permission/${permissionId}/delete` }),
        ...Array.from({ length: 6 }, (_, i) =>
          new Promise((resolve) => setTimeout(resolve, i)).then(() =>
            a.call(tokenA, {
              method: 'POST',
              url: '/v2/keystore/permission/edit',
              payload: {
                id: permissionId,
                keystore_id: fileId,
                user_name: 'alice',
                delete: false,
                modify: true,
                usage: true,
              },
            }),
          ),
        ),
      ]);
      expect(revoked.statusCode, revoked.body).toBe(200);
      const rows = (
        await a.call(tokenA, {
          method: 'GET',
          url: `/v2/keystore/permission/${fileId}/query?page=1&page_size=100`,
        })
      ).json().result.permission_list as { user_name: string; is_creator: boolean }[];
      if (rows.some((r) => !r.is_creator && r.user_name === 'alice')) resurrected.push(`round ${round}`);
    }
    expect(resurrected).toEqual([]);
  });
});
