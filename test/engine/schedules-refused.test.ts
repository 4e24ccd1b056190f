import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { TestClock } from '../helpers/app.ts';
import { param, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * A scheduled build the job cannot have (planBuild refuses it) must not stop the other schedules:
 * the due schedules are read oldest first, so a refused one that kept its marks would be first
 * again at every tick, and every tick would end at it. Its due time passes, told once in the log.
 */
describeEachStore('a schedule whose build is refused', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    ek = await startEngineKiln({ store, clock, logger });
  });
  afterAll(() => ek?.close());

  const tick = () => ek.kiln.engine.scheduler.tick();
  const timerJob = (cron: string, extra: Record<string, unknown> = {}) =>
    ek.post('/v3/jobs/create', {
      project_id: ek.projectId,
      job_name: `cron-${randomBytes(4).toString('hex')}`,
      arch: 'x86-64',
      steps: [shell('tick', 'echo tick')],
      triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: cron }] }],
      ...extra,
    });
  const jobId = async (res: Awaited<ReturnType<typeof timerJob>>) => {
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result.job_id as string;
  };
  const schedule = async (job: string) =>
    (await ek.kiln.storage.schedules.listDue(clock.now() + 86_400_000, 1_000)).find((e) => e.jobId === job);

  it('refuses a codeBranch default that is not a branch name when the job is saved', async () => {
    const res = await timerJob('*/5 * * * *', { parameters: [param('codeBranch', 'bad..branch')] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_msg).toContain(
      'parameters[0].params.defaultValue: "bad..branch" is not a valid branch name',
    );
    expect(
      await jobId(await timerJob('*/5 * * * *', { parameters: [param('codeBranch', '')] })),
    ).toBeTruthy();
  });

  it("lets a refused due time pass, logged once, without stopping the other jobs' schedules", async () => {
    // A job saved before the rule: its stored default is rewritten around the API.
    const broken = await jobId(await timerJob('*/5 * * * *', { parameters: [param('codeBranch', 'main')] }));
    const stored = (await ek.kiln.storage.jobs.findById(broken))!.config;
    const bad = stored.replace('"main"', '"bad..branch"');
    expect(await ek.kiln.storage.jobs.replaceConfig(broken, stored, bad)).toBe(true);
    const healthy = await jobId(await timerJob('0 13 * * *'));

    clock.advance(60 * 60_000); // 13:00: both due, the broken one first (12:05)
    expect(await tick()).toBeGreaterThanOrEqual(1);
    expect(await ek.records(healthy)).toHaveLength(1);
    expect(await ek.records(broken)).toHaveLength(0);
    expect((await schedule(broken))?.lastDue).toBe(clock.now()); // passed: not due again
    expect(await tick()).toBe(0);
    const passed = lines.filter((l) => l.msg === 'schedule passed without a build' && l.jobId === broken);
    expect(passed).toEqual([
      expect.objectContaining({
        level: 40,
        trigger: '0:*/5 * * * *',
        dueAt: new Date(clock.now()).toISOString(),
        reason: expect.stringContaining('"bad..branch" is not a valid branch name'),
      }),
    ]);
  });

  it.each([
    ['the store is unavailable', () => new AppError('STORE_UNAVAILABLE', 'the database is unavailable')],
    // What a driver throws that no mapping knows (PostgreSQL's statement timeout, 57014), or a bug.
    [
      'a statement times out',
      () => Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
  ])('keeps a due time while %s: it fires once that is over', async (_what, fault) => {
    const job = await jobId(await timerJob('*/5 * * * *'));
    clock.advance(5 * 60_000);
    const storage = ek.kiln.storage;
    const transaction = storage.transaction.bind(storage);
    const error = fault();
    storage.transaction = () => Promise.reject(error);
    try {
      await expect(tick()).rejects.toThrow(error.message);
    } finally {
      storage.transaction = transaction;
    }
    expect(await ek.records(job)).toHaveLength(0);
    expect(await tick()).toBeGreaterThanOrEqual(1);
    expect(await ek.records(job)).toHaveLength(1);
  });
});
