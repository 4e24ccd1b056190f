import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createUser, tokenOf, uploadFile } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database, a file of the file manager deleted through one while
// rights to it are given through the other (AddKeystorePermission): each answer is a 200 or a 404
// (the file is gone), never a 500 from the row that no longer has its file.
describe.skipIf(!TEST_DATABASE_URL)('a file deleted while rights to it are given, across servers', () => {
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
});
