import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * Probe: a job disabled while a tick is firing its schedule. The scheduler reads the job (and
 * checks `disabled` and its owner's rights) before its transaction, and the transaction only
 * compares-and-sets the schedule row, which a disable does not touch: the stale `job.disabled`
 * lets it create a build for a job that was disabled before the build existed. RunJob checks the
 * job inside its transaction (admit). Here the disable is made to land between the job read and
 * the transaction, deterministically, by doing it when the tick looks up the job's owner.
 */
describeEachStore('a job disabled during a tick', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock });
  });
  afterAll(() => ek?.close());

  it('creates no Scheduled build for a job that was disabled before the build was created', async () => {
    const res = await ek.post('/v3/jobs/create', {
      project_id: ek.projectId,
      job_name: `cron-${randomBytes(4).toString('hex')}`,
      arch: 'x86-64',
      steps: [shell('tick', 'echo tick')],
      triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '*/5 * * * *' }] }],
    });
    expect(res.statusCode, res.body).toBe(200);
    const job = res.json().result.job_id as string;
    clock.advance(5 * 60_000);

    const users = ek.kiln.storage.users;
    const original = users.findById.bind(users);
    let disabled = false;
    users.findById = async (id: string) => {
      if (!disabled) {
        disabled = true;
        const off = await ek.post(`/v3/jobs/${job}/disable`);
        expect(off.statusCode, off.body).toBe(200);
      }
      return original(id);
    };
    try {
      await ek.kiln.engine.scheduler.tick();
    } finally {
      users.findById = original;
    }
    expect(disabled).toBe(true);
    const records = await ek.records(job);
    expect(records, JSON.stringify(records)).toHaveLength(0);
  });
});
