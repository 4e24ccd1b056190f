import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { TransactionConflictError } from '../../src/storage/errors.ts';
import type { Stores } from '../../src/storage/ports.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

/**
 * Two transactions that take the same rows in opposite orders deadlock on PostgreSQL, which gives
 * one of them up (40P01). Storage.transaction runs that one again: both writers succeed, and the
 * caller never sees the collision.
 */
describe.skipIf(!TEST_DATABASE_URL)('a transaction PostgreSQL gives up in a deadlock', () => {
  let kiln: TestKiln;
  let jobA: string;
  let jobB: string;

  beforeAll(async () => {
    kiln = await createTestKiln({ store: 'postgres' });
    const token = await tokenOf(kiln, ADMIN);
    const projectId = await kiln.defaultProjectId();
    jobA = await createJob(kiln, token, projectId, { job_name: 'deadlock-a' });
    jobB = await createJob(kiln, token, projectId, { job_name: 'deadlock-b' });
  });
  afterAll(() => kiln?.close());

  it('runs again and succeeds, and both writes stand', async () => {
    // Both transactions hold their first row before either asks for its second: a deadlock.
    let arrived = 0;
    let bothHold!: () => void;
    const holding = new Promise<void>((resolve) => (bothHold = resolve));
    const firstTime = async () => {
      if (++arrived === 2) bothHold();
      if (arrived <= 2) await holding;
    };
    let runs = 0;
    const write = (first: string, second: string, reason: string) =>
      kiln.storage.transaction(async (tx: Stores) => {
        runs++;
        await tx.jobs.setDisabled(first, true, reason, 1);
        await firstTime();
        await tx.jobs.setDisabled(second, true, reason, 1);
      });
    await Promise.all([write(jobA, jobB, 'a then b'), write(jobB, jobA, 'b then a')]);
    // The one PostgreSQL gave up ran once more (on a loaded machine a retry can collide again, so
    // more than one extra run is allowed; fewer would mean no deadlock happened).
    expect(runs).toBeGreaterThanOrEqual(3);
    const [a, b] = await Promise.all([kiln.storage.jobs.findById(jobA), kiln.storage.jobs.findById(jobB)]);
    // Whichever committed last wrote both rows.
    expect(a!.disabledReason).toBe(b!.disabledReason);
  });
});

describe('a transaction that keeps colliding', () => {
  let kiln: TestKiln;
  afterAll(() => kiln?.close());

  it('runs three times, then fails as an unavailable store (503), not an internal error', async () => {
    kiln = await createTestKiln();
    let runs = 0;
    const failing = kiln.storage.transaction(async () => {
      runs++;
      throw new TransactionConflictError();
    });
    await expect(failing).rejects.toBeInstanceOf(AppError);
    await expect(failing).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(runs).toBe(3);
    // Any other error goes out at once.
    runs = 0;
    await expect(
      kiln.storage.transaction(async () => {
        runs++;
        throw new Error('a bug');
      }),
    ).rejects.toThrow('a bug');
    expect(runs).toBe(1);
  });
});
