import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * Probe: the scheduler caches each job's parsed triggers by the job row's `updatedAt` (ms). Two
 * saves of a job in the same millisecond (two servers, or two quick API calls; here a fixed test
 * clock) leave the cache with the first save's triggers, so a due schedule of the second save is
 * taken for a leftover and deleted (scheduler.ts `fire`: "Left behind by a delete or an update"):
 * the job's timer never fires again.
 */
describeEachStore('the trigger cache and a job saved twice in one millisecond', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock });
  });
  afterAll(() => ek?.close());

  it('a cron changed by a save in the same millisecond as the previous save still fires', async () => {
    const name = `cron-${randomBytes(4).toString('hex')}`;
    const body = (cron: string) => ({
      project_id: ek.projectId,
      job_name: name,
      arch: 'x86-64',
      steps: [shell('tick', 'echo tick')],
      triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: cron }] }],
    });
    const created = await ek.post('/v3/jobs/create', body('*/5 * * * *'));
    expect(created.statusCode, created.body).toBe(200);
    const job = created.json().result.job_id as string;
    const update = async (cron: string) => {
      const res = await ek.post('/v3/jobs/update', { job_id: job, ...body(cron) });
      expect(res.statusCode, res.body).toBe(200);
    };

    clock.advance(5 * 60_000); // 12:05, due
    await update('*/5 * * * *'); // saved at 12:05, the schedule kept
    expect(await ek.kiln.engine.scheduler.tick()).toBe(1); // fires, caching the 12:05 triggers
    await update('*/10 * * * *'); // saved again at 12:05: another schedule, due 12:10

    clock.advance(5 * 60_000); // 12:10
    await ek.kiln.engine.scheduler.tick();
    expect(await ek.records(job)).toHaveLength(2);
    const rows = (await ek.kiln.storage.schedules.listDue(clock.now() + 86_400_000, 1_000)).filter(
      (e) => e.jobId === job,
    );
    expect(rows.map((e) => e.key)).toEqual(['0:*/10 * * * *']);
  });
});
