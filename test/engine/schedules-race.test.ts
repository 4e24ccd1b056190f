import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stores } from '../../src/storage/ports.ts';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore, USER_PASSWORD } from '../helpers/records.ts';

/**
 * Changes of a job that overlap the scheduler's work. First, a change that commits while a tick
 * fires a job's schedule: after the tick read the job (and decided what is due), before the
 * transaction that creates the build. The transaction reads the job and its owner's rights again,
 * so a job disabled or an owner who lost the right to run it meanwhile gets no build. The change
 * is made to land there, deterministically, by doing it when the scheduler opens its transaction
 * once it has read the job.
 */
describeEachStore('a job changed while a tick fires it', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  let ownerToken: string;

  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock });
    const owner = `owner${randomBytes(4).toString('hex')}`;
    const created = await ek.post('/v1/kiln/users', {
      name: owner,
      password: USER_PASSWORD,
      display_name: 'O',
    });
    expect([200, 201]).toContain(created.statusCode);
    const member = await ek.kiln.call(ek.token, {
      method: 'PUT',
      url: `/v1/kiln/projects/${ek.projectId}/members/${owner}`,
      payload: { role: 'developer' },
    });
    expect(member.statusCode).toBe(200);
    ownerToken = await ek.kiln.token(owner, USER_PASSWORD);
  });
  afterAll(() => ek?.close());

  async function timerJob(): Promise<string> {
    const res = await ek.kiln.call(ownerToken, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: {
        project_id: ek.projectId,
        job_name: `cron-${randomBytes(4).toString('hex')}`,
        arch: 'x86-64',
        steps: [shell('tick', 'echo tick')],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '*/5 * * * *' }] }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result.job_id as string;
  }

  /**
   * Ticks with `change` made once the tick has read `job`, as the scheduler opens the transaction
   * that fires it; returns the builds fired.
   */
  async function tickWith(job: string, change: () => Promise<void>): Promise<number> {
    const { storage } = ek.kiln;
    const { jobs, transaction } = storage;
    const { findById } = jobs;
    const begin = transaction.bind(storage);
    let read = false;
    let made = false;
    jobs.findById = async (id) => {
      read ||= id === job;
      return findById.call(jobs, id);
    };
    storage.transaction = async <T>(fn: (tx: Stores) => Promise<T>): Promise<T> => {
      if (read && !made) {
        made = true;
        await change(); // its own transactions pass straight through
      }
      return begin(fn);
    };
    try {
      return await ek.kiln.engine.scheduler.tick();
    } finally {
      jobs.findById = findById;
      storage.transaction = transaction;
      expect(made).toBe(true);
    }
  }

  /** Forgets the job's schedule, so that the next test's job is the only one due. */
  const remove = async (job: string) =>
    expect((await ek.post(`/v3/jobs/${job}/delete`)).statusCode).toBe(200);

  it('creates no Scheduled build for a job disabled before the build was created', async () => {
    const job = await timerJob();
    clock.advance(5 * 60_000);
    const fired = await tickWith(job, async () => {
      const off = await ek.post(`/v3/jobs/${job}/disable`);
      expect(off.statusCode, off.body).toBe(200);
    });
    expect(fired).toBe(0);
    expect(await ek.records(job)).toHaveLength(0);
    await remove(job);
  });

  it('creates none for an owner who lost the right to run the job meanwhile', async () => {
    const job = await timerJob();
    clock.advance(5 * 60_000);
    const fired = await tickWith(job, async () => {
      const matrix = await ek.post('/v1/job/permissions/batch', {
        job_ids: [job],
        permissions: [{ role_id: 4, is_view: true, is_execute: false }],
      });
      expect(matrix.statusCode, matrix.body).toBe(200);
    });
    expect(fired).toBe(0);
    expect(await ek.records(job)).toHaveLength(0);
    await remove(job);
  });

  it('fires for a job enabled again before its due time fires', async () => {
    const job = await timerJob();
    expect((await ek.post(`/v3/jobs/${job}/disable`)).statusCode).toBe(200);
    clock.advance(5 * 60_000);
    const fired = await tickWith(job, async () => {
      expect((await ek.post(`/v3/jobs/${job}/recover`)).statusCode).toBe(200);
    });
    expect(fired).toBe(1);
    expect(await ek.records(job)).toHaveLength(1);
  });
});

/**
 * The scheduler keeps each job's parsed triggers between ticks. Two saves of a job in one
 * millisecond (two servers, or two quick calls; here a fixed test clock) must not leave it with the
 * first save's triggers: a due schedule of the second would be taken for a leftover of an update
 * and deleted, and the job's timer would never fire again.
 */
describeEachStore('a job saved twice in one millisecond', (store) => {
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
    expect(await ek.kiln.engine.scheduler.tick()).toBe(1); // fires, reading the 12:05 triggers
    await update('*/10 * * * *'); // saved again at 12:05: another schedule, due 12:10

    clock.advance(5 * 60_000); // 12:10
    expect(await ek.kiln.engine.scheduler.tick()).toBe(1);
    expect(await ek.records(job)).toHaveLength(2);
    const rows = (await ek.kiln.storage.schedules.listDue(clock.now() + 86_400_000, 1_000)).filter(
      (e) => e.jobId === job,
    );
    expect(rows.map((e) => e.key)).toEqual(['0:*/10 * * * *']);
  });
});
