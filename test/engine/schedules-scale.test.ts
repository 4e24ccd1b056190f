import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId32 } from '../../src/domain/ids.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';
import { SecretBox } from '../../src/engine/secret-box.ts';
import { StoredSecrets } from '../../src/engine/stored-secrets.ts';
import { TEST_SECRET_KEY, TestClock } from '../helpers/app.ts';
import { countingStorage, type StoreTally } from '../helpers/counting-storage.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * A scheduler tick reads only the schedules that are due: with 2,000 jobs without timers and 40
 * whose timers are not due, a tick that fires 3 jobs reads a few rows per firing, and a tick with
 * nothing due makes one store call that returns no row. Counted at the store ports of a real
 * database (rows returned), never timed.
 */
describeEachStore('schedules at scale', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  let scheduler: Scheduler;
  let tally: StoreTally;
  const due: string[] = [];

  async function timerJob(cron: string): Promise<string> {
    return ek.newJob({
      steps: [shell('tick', 'echo tick')],
      triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: cron }] }],
    });
  }

  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock });
    const { storage } = ek.kiln;
    const domain = await storage.domains.findByName('default');
    const admin = (await storage.users.listByDomain(domain!.id)).find((u) => u.name === 'admin');
    await storage.transaction(async (tx) => {
      for (let i = 0; i < 2_000; i++)
        await tx.jobs.insert({
          id: newId32(),
          projectId: ek.projectId,
          name: `plain-${i}-${randomBytes(3).toString('hex')}`,
          creatorId: admin!.id,
          config: JSON.stringify({ project_id: ek.projectId, job_name: `plain-${i}`, steps: [] }),
          disabled: false,
          disabledReason: '',
          webhookSecretEnc: 'x',
          lastBuildNumber: 0,
          createdAt: clock.now(),
          updatedAt: clock.now(),
          recordsVersion: 0,
        });
    });
    for (let i = 0; i < 40; i++) await timerJob('0 3 * * *'); // daily, not due this hour
    for (let i = 0; i < 3; i++) due.push(await timerJob('*/5 * * * *'));
    const counted = countingStorage(storage);
    tally = counted.tally;
    scheduler = new Scheduler(
      counted.storage,
      clock,
      'UTC',
      ek.kiln.engine.events,
      new StoredSecrets(new SecretBox(TEST_SECRET_KEY)),
      pino({ level: 'silent' }),
    );
  });
  afterAll(() => ek?.close());

  it('a tick reads the due schedules and their jobs, not every job', async () => {
    // A server's first tick also looks for schedules computed in another time zone (none here).
    tally.reset();
    expect(await scheduler.tick()).toBe(0);
    expect([...tally.calls].sort()).toEqual([
      ['schedules.adoptUnzoned', 1],
      ['schedules.listDue', 1],
      ['schedules.listOtherZone', 1],
    ]);
    expect(tally.rows).toBe(0);
    tally.reset();
    expect(await scheduler.tick()).toBe(0);
    expect([...tally.calls]).toEqual([['schedules.listDue', 1]]);
    expect(tally.rows).toBe(0);

    clock.advance(5 * 60_000);
    tally.reset();
    expect(await scheduler.tick()).toBe(3);
    expect(tally.calls.get('jobs.listAll')).toBeUndefined();
    expect(tally.calls.get('schedules.listDue')).toBe(1);
    // Each due job twice: to see what is due, and again in the transaction that builds.
    expect(tally.calls.get('jobs.findById')).toBe(6);
    // Per firing: its schedule, its job (twice), its owner and what creating a build reads back.
    expect(tally.rows).toBeLessThanOrEqual(3 * 10);
    for (const job of due) expect(await ek.records(job)).toHaveLength(1);

    tally.reset();
    expect(await scheduler.tick()).toBe(0);
    expect(tally.rows).toBe(0);
  });
});
