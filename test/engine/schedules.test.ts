import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.ts';
import { TEST_SECRET_KEY, TestClock } from '../helpers/app.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore, USER_PASSWORD } from '../helpers/records.ts';

/**
 * Cron triggers, driven by `scheduler.tick()` on a clock the test moves (no runner and no engine
 * loops, so nothing else ticks): one build per due time, missed times collapse into one build,
 * and racing ticks fire once.
 */
describeEachStore('cron schedules', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;
  let owner: string;
  let ownerToken: string;

  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock });
    owner = `owner${randomBytes(4).toString('hex')}`;
    const created = await ek.post('/v1/kiln/users', {
      name: owner,
      password: USER_PASSWORD,
      display_name: 'Schedule Owner',
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

  async function timerJob(cron: string): Promise<string> {
    const res = await ek.kiln.call(ownerToken, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: {
        project_id: ek.projectId,
        job_name: `cron-${randomBytes(4).toString('hex')}`,
        arch: 'x86-64',
        steps: [shell('tick', 'echo tick')],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: cron }] }],
      },
    });
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    return res.json().result.job_id;
  }

  const tick = () => ek.kiln.engine.scheduler.tick();
  const minutes = (n: number) => clock.advance(n * 60_000);

  it('fires once per due time, as a Scheduled build by the job owner; missed times fire once; racing ticks fire once', async () => {
    const job = await timerJob('*/5 * * * *');

    expect(await tick()).toBe(0); // first sight of the schedule: it starts counting now
    expect(await ek.records(job)).toHaveLength(0);

    minutes(5);
    expect(await tick()).toBe(1);
    let records = await ek.records(job);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      number: 1,
      trigger_type: 'Scheduled',
      executor: owner,
      nickname: 'Schedule Owner',
      job_running_status: 'Starting',
      start_time: clock.now(),
      daily_build_number: '20240601.1',
    });

    // Same time again: nothing new.
    expect(await tick()).toBe(0);
    expect(await ek.records(job)).toHaveLength(1);

    // Not due yet.
    minutes(2);
    expect(await tick()).toBe(0);
    expect(await ek.records(job)).toHaveLength(1);

    // An hour passes unticked (12 slots missed): one build, not twelve.
    minutes(58);
    expect(await tick()).toBe(1);
    expect(await tick()).toBe(0);
    records = await ek.records(job);
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.number).sort()).toEqual([1, 2]);

    // Two ticks racing for the same due time fire once between them.
    minutes(5);
    const fired = await Promise.all([tick(), tick()]);
    expect(fired[0] + fired[1]).toBe(1);
    records = await ek.records(job);
    expect(records).toHaveLength(3);
    expect(records.every((r) => r.trigger_type === 'Scheduled' && r.executor === owner)).toBe(true);

    const period = await ek.get(
      `/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=2024-06-01&end_time=2024-06-01`,
    );
    expect(period.statusCode).toBe(200);
    expect(period.json().total).toBe(3);
    for (const h of period.json().history_records)
      expect(h).toMatchObject({ executor: owner, trigger_type: 'Scheduled' });
  });

  it('races of several ticks across several due times never double a build', async () => {
    const job = await timerJob('*/5 * * * *');
    await tick(); // initialise
    let expected = 0;
    for (let round = 0; round < 5; round++) {
      minutes(5);
      const fired = await Promise.all([tick(), tick(), tick()]);
      // Other jobs' schedules may fire too; count this job's builds.
      expected++;
      expect(fired.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      expect(await ek.records(job)).toHaveLength(expected);
    }
  });

  it('a disabled job lets its due times pass without building, and does not catch up when recovered', async () => {
    const job = await timerJob('*/5 * * * *');
    await tick(); // initialise
    expect(
      (await ek.kiln.call(ownerToken, { method: 'POST', url: `/v3/jobs/${job}/disable` })).statusCode,
    ).toBe(200);
    minutes(5);
    await tick();
    minutes(5);
    await tick();
    expect(await ek.records(job)).toHaveLength(0);
    expect(
      (await ek.kiln.call(ownerToken, { method: 'POST', url: `/v3/jobs/${job}/recover` })).statusCode,
    ).toBe(200);
    await tick();
    expect(await ek.records(job)).toHaveLength(0);
    minutes(5);
    await tick();
    expect(await ek.records(job)).toHaveLength(1);
  });
  it('builds as the user who last saved the job: another who edits it does not borrow the creator', async () => {
    const job = await timerJob('*/5 * * * *');
    await tick(); // initialise
    minutes(5);
    await tick();
    const userOf = async (n: number) => (await ek.recordInfo(job, n)).user_id as string;
    const creator = await userOf(1);
    // The administrator saves the job (the same schedule): its builds are now theirs.
    const saved = await ek.kiln.call(ek.token, {
      method: 'POST',
      url: '/v3/jobs/update',
      payload: {
        job_id: job,
        project_id: ek.projectId,
        job_name: `edited-${randomBytes(4).toString('hex')}`,
        arch: 'x86-64',
        steps: [shell('tick', 'echo tick')],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '*/5 * * * *' }] }],
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    minutes(5);
    await tick();
    await ek.run(job); // a build the administrator starts, for their user id
    expect(await userOf(2)).not.toBe(creator);
    expect(await userOf(2)).toBe(await userOf(3));
  });
  it("lets the due times pass while the job's creator may not run it (its matrix, or their role)", async () => {
    const job = await timerJob('*/5 * * * *');
    await tick(); // initialise
    const matrix = (execute: boolean) =>
      ek.kiln.call(ek.token, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: { job_ids: [job], permissions: [{ role_id: 4, is_view: true, is_execute: execute }] },
      });
    expect((await matrix(false)).statusCode).toBe(200);
    minutes(5);
    await tick();
    expect(await ek.records(job)).toHaveLength(0);
    expect((await matrix(true)).statusCode).toBe(200);
    minutes(5);
    await tick();
    expect(await ek.records(job)).toHaveLength(1);
  });
  it('an update keeps an unchanged schedule, starts a changed one at the update, and a delete forgets it', async () => {
    const job = await timerJob('*/5 * * * *');
    const update = async (cron: string) => {
      const res = await ek.kiln.call(ownerToken, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: {
          job_id: job,
          project_id: ek.projectId,
          job_name: `renamed-${randomBytes(4).toString('hex')}`,
          arch: 'x86-64',
          steps: [shell('tick', 'echo tick')],
          triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: cron }] }],
        },
      });
      expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    };
    const tracked = async () =>
      (await ek.kiln.storage.schedules.listDue(clock.now() + 366 * 86_400_000, 1_000)).filter(
        (e) => e.jobId === job,
      );

    // A due time passes unticked; an update that keeps the expression keeps the mark: it fires.
    minutes(5);
    await update('*/5 * * * *');
    expect(await tick()).toBeGreaterThanOrEqual(1);
    expect(await ek.records(job)).toHaveLength(1);

    // Another expression is another schedule: the old one's times do not fire.
    await update('0 0 1 1 *');
    minutes(10);
    await tick();
    expect(await ek.records(job)).toHaveLength(1);
    expect((await tracked()).map((e) => e.key)).toEqual(['0:0 0 1 1 *']);

    // Back to every five minutes: counted from the update, not from the old mark.
    await update('*/5 * * * *');
    await tick();
    expect(await ek.records(job)).toHaveLength(1);
    minutes(5);
    await tick();
    expect(await ek.records(job)).toHaveLength(2);

    expect(
      (await ek.kiln.call(ownerToken, { method: 'POST', url: `/v3/jobs/${job}/delete` })).statusCode,
    ).toBe(200);
    expect(await tracked()).toEqual([]);
  });

  it("a server started with another KILN_TIMEZONE computes the next due time in its own, not once at the old zone's time", async () => {
    const job = await timerJob('0 9 * * *'); // 09:00 each day: 09:00 UTC as saved, 01:00 UTC in Shanghai
    const shanghai = createEngine({
      storage: ek.kiln.storage,
      clock,
      timeZone: 'Asia/Shanghai',
      secretKey: TEST_SECRET_KEY,
      passwordCost: TEST_PASSWORD_COST,
    });
    // The build with the highest number (the test's clock outlives the suite's tokens).
    const builds = async () => (await ek.kiln.storage.builds.latest(job))?.number ?? 0;
    const at = async (iso: string) => {
      clock.current = Date.parse(iso);
      await shanghai.scheduler.tick();
      return builds();
    };
    expect(clock.now()).toBeLessThan(Date.parse('2024-06-01T17:00:00Z'));
    expect(await at('2024-06-01T17:00:30Z')).toBe(0); // 01:00 in Shanghai, 2 June: the day's first
    expect(await at('2024-06-02T01:00:30Z')).toBe(1); // 09:00 in Shanghai
    expect(await at('2024-06-02T09:00:30Z')).toBe(1); // 09:00 UTC: the old zone's time, nothing
    expect(await at('2024-06-03T01:00:30Z')).toBe(2);
  });

  it("a CodeArts hudson.triggers.TimerTrigger fires at its spec in its timeZoneId, whatever the server's KILN_TIMEZONE", async () => {
    // The reference's CreateBuildJob trigger: 15:18 Shanghai time (07:18 UTC), Monday to Friday.
    clock.current = Date.parse('2024-06-10T00:00:00Z'); // a Monday
    const token = await ek.kiln.token(owner, USER_PASSWORD); // the suite's has expired by now
    const res = await ek.kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: {
        project_id: ek.projectId,
        job_name: `codearts-timer-${randomBytes(4).toString('hex')}`,
        arch: 'x86-64',
        steps: [shell('tick', 'echo tick')],
        triggers: [
          {
            name: 'hudson.triggers.TimerTrigger',
            parameters: [
              { name: 'spec', value: '18 15 * * 1,2,3,4,5' },
              { name: 'timeZoneId', value: 'Asia/Shanghai' },
              { name: 'timeZone', value: 'China_Standard_Time' },
              { name: 'isDST', value: 'false' },
            ],
          },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const job = res.json().result.job_id as string;
    const builds = async () => (await ek.kiln.storage.builds.latest(job))?.number ?? 0;
    const at = async (iso: string, scheduler = ek.kiln.engine.scheduler) => {
      clock.current = Date.parse(iso);
      await scheduler.tick();
      return builds();
    };
    expect(await at('2024-06-10T07:17:30Z')).toBe(0);
    expect(await at('2024-06-10T07:18:30Z')).toBe(1); // 15:18 in Shanghai, on a UTC server
    expect(await at('2024-06-10T15:18:30Z')).toBe(1); // 15:18 in the server's zone: nothing

    // A server started with another KILN_TIMEZONE leaves the trigger in its own zone.
    const newYork = createEngine({
      storage: ek.kiln.storage,
      clock,
      timeZone: 'America/New_York',
      secretKey: TEST_SECRET_KEY,
      passwordCost: TEST_PASSWORD_COST,
    }).scheduler;
    expect(await at('2024-06-10T19:18:30Z', newYork)).toBe(1); // 15:18 in New York: nothing
    expect(await at('2024-06-11T07:17:30Z', newYork)).toBe(1);
    expect(await at('2024-06-11T07:18:30Z', newYork)).toBe(2); // 15:18 in Shanghai
  });
});
