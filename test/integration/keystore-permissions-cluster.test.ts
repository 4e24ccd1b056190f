import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createUser, tokenOf, uploadFile } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database, changing the rights to files of the file manager
// at the same moment through both.
describe.skipIf(!TEST_DATABASE_URL)('rights to a file changed through two servers at once', () => {
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

  /** AddKeystorePermission: alice may use the file. */
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

  // Rights to one file given to one user through both at once (AddKeystorePermission): one row is
  // kept, and every answer's id is that row's, so the id a caller was given takes the rights away
  // again (DeleteKeystorePermission), never a 404.
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

  // A file deleted through one server while rights to it are given through the other
  // (AddKeystorePermission): each answer is a 200 or a 404 (the file is gone), never a 500 from the
  // row that no longer has its file.
  it('rights given while the file is deleted through the other server are a 200 or a 404, never a 500', async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 12; round++) {
      const fileId = await uploadFile(a, tokenA, `granted-deleted-${round}.xml`, '<settings/>');
      const answers = await Promise.all([
        b.call(tokenB, { method: 'DELETE', url: `/v2/keystore/${fileId}/delete` }),
        ...Array.from({ length: 4 }, () => grant(a, tokenA, fileId)),
      ]);
      statuses.push(...answers.map((r) => r.statusCode));
    }
    expect(statuses.filter((s) => s !== 200 && s !== 404)).toEqual([]);
  });

  // A user's rights to a file taken away through one server (DeleteKeystorePermission) while they
  // are changed through the other (UpdateKeystorePermission). In either order the user ends without rights once the take-away was
  // answered done: a change that read the row before it was deleted must not write it back, or the
  // rights an owner was told were gone come back (and the user can use the file again).
  it('rights taken away (200) stay taken away, whatever a change at the same moment answered', async () => {
    const resurrected: string[] = [];
    for (let round = 0; round < 16; round++) {
      const fileId = await uploadFile(a, tokenA, `revoked-${round}.xml`, '<settings/>');
      const given = await grant(a, tokenA, fileId);
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
