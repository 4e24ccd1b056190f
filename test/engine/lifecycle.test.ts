import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { outputLines, shell, startEngineKiln, utcDayKey, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore, expectError } from '../helpers/records.ts';

/**
 * The core life of a build, on both stores: RunJob/ExecuteJob accept at once with gap-free
 * numbers, a build runs to SUCCESS or stops at the first failing step, its times are stored,
 * and a disabled job refuses runs.
 */
describeEachStore('build lifecycle', (store) => {
  let ek: EngineKiln;
  let queued: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    [ek, queued] = await Promise.all([
      startEngineKiln({ store, runner: { slots: 2 } }),
      // No runner: builds stay exactly as the trigger stored them.
      startEngineKiln({ store }),
    ]);
    repo = new TestRepo();
    repo.commit('first');
  });
  afterAll(async () => {
    await Promise.all([ek?.close(), queued?.close()]);
  });

  const scm = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];

  it('RunJob accepts the run at once: all-string answer, the build stored Starting', async () => {
    const job = await queued.newJob({ scms: scm() });
    const res = await queued.post('/v3/jobs/build', { job_id: job });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual([
      'actual_build_number',
      'daily_build_number',
      'octopus_job_name',
    ]);
    expect(typeof body.octopus_job_name).toBe('string');
    expect(body.octopus_job_name.length).toBeGreaterThan(0);
    expect(body.actual_build_number).toBe('1');
    expect(body.daily_build_number).toBe(`${utcDayKey(queued.kiln.clock.now())}.1`);

    const r = await queued.record(job, 1);
    expect(r).toMatchObject({
      number: 1,
      job_running_status: 'Starting',
      state: '',
      build_time: 0,
      trigger_type: 'Manual',
      executor: 'admin',
    });
    expect((await queued.get(`/v3/jobs/${job}/status`)).json()).toEqual({ result: true });
  });

  it('ExecuteJob (v1) accepts a run the same way and continues the numbering', async () => {
    const job = await queued.newJob({ scms: scm() });
    const first = await queued.post('/v1/job/execute', { job_id: job });
    const second = await queued.post('/v3/jobs/build', { job_id: job });
    const third = await queued.post('/v1/job/execute', { job_id: job });
    for (const r of [first, second, third]) expect(r.statusCode).toBe(200);
    expect([first, second, third].map((r) => r.json().actual_build_number)).toEqual(['1', '2', '3']);
    expect(Object.keys(third.json()).sort()).toEqual([
      'actual_build_number',
      'daily_build_number',
      'octopus_job_name',
    ]);
    expect(third.json().daily_build_number).toBe(`${utcDayKey(queued.kiln.clock.now())}.3`);
    expect((await queued.record(job, 3)).job_running_status).toBe('Starting');
  });

  it('numbers 20 concurrent runs 1..20 without gaps or repeats, daily numbers .1 to .20, and runs them all', async () => {
    const job = await ek.newJob({ scms: scm(), steps: [shell('noop', 'true')] });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ek.post(i % 2 === 0 ? '/v3/jobs/build' : '/v1/job/execute', { job_id: job }),
      ),
    );
    for (const a of answers) expect({ status: a.statusCode, body: a.body }).toMatchObject({ status: 200 });
    const numbers = answers.map((a) => a.json().actual_build_number as string);
    for (const n of numbers) expect(typeof n).toBe('string');
    expect(numbers.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const day = utcDayKey(ek.kiln.clock.now());
    expect(answers.map((a) => a.json().daily_build_number as string).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `${day}.${i + 1}`).sort(),
    );
    // Each build's number and daily number were allocated together.
    for (const a of answers) {
      const { actual_build_number: n, daily_build_number: d } = a.json();
      expect(d).toBe(`${day}.${n}`);
    }
    for (let n = 1; n <= 20; n++) {
      const r = await ek.waitFinished(job, n, 30_000);
      expect(r.state).toBe('SUCCESS');
    }
  });

  it('runs a build to SUCCESS with its steps, and stores build_time, cost_time and step durations', async () => {
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell('prepare', 'echo preparing'),
        shell('wait a bit', 'sleep 0.2; echo waited'),
        shell('finish', 'echo finishing'),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    expect(r).toMatchObject({
      job_running_status: 'Finished',
      state: 'SUCCESS',
      commit_id: repo.git('rev-parse', 'HEAD'),
    });
    expect(Number.isInteger(r.build_time) && Number.isInteger(r.cost_time)).toBe(true);
    expect(r.build_time).toBeGreaterThan(0);
    expect(r.build_time).toBeLessThanOrEqual(r.cost_time);
    const lines = outputLines(await ek.log(job, 1));
    expect(lines).toEqual(['preparing', 'waited', 'finishing']);

    const d = await ek.details(job, 1);
    expect(d.build_steps.map((s) => [s.name, s.status])).toEqual([
      ['prepare', 'success'],
      ['wait a bit', 'success'],
      ['finish', 'success'],
    ]);
    const sleepy = d.build_steps[1] ?? { name: '', status: '', build_time: -1 };
    expect(Number.isInteger(sleepy.build_time)).toBe(true);
    expect(sleepy.build_time).toBeGreaterThanOrEqual(150);
    // Steps ran inside the build's execution time.
    const stepSum = d.build_steps.reduce((sum, s) => sum + s.build_time, 0);
    expect(stepSum).toBeLessThanOrEqual(r.build_time);

    // Stored, not recomputed: a later read gives the same values.
    const again = await ek.record(job, 1);
    expect([again.build_time, again.cost_time]).toEqual([r.build_time, r.cost_time]);
    expect((await ek.details(job, 1)).build_steps[1]?.build_time).toBe(sleepy.build_time);
    expect((await ek.get(`/v3/jobs/${job}/status`)).json()).toEqual({ result: false });
  });

  it('ends FAILURE at the first step that exits non-zero; later steps do not run', async () => {
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell('one', 'echo step-one-ran'),
        shell('two', 'echo step-two-ran; exit 3; echo never-printed'),
        shell('three', 'echo step-three-ran'),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    expect(r.state).toBe('FAILURE');
    const log = await ek.log(job, 1);
    expect(log).toContain('step-one-ran');
    expect(log).toContain('step-two-ran');
    expect(log).not.toContain('never-printed');
    expect(log).not.toContain('step-three-ran');
    expect(log).toMatch(/exit code 3/);
    const d = await ek.details(job, 1);
    expect(d.build_steps.map((s) => [s.name, s.status])).toEqual([
      ['one', 'success'],
      ['two', 'error'],
      ['three', ''],
    ]);
    expect(d.build_steps[2]?.build_time).toBe(0);
    expect(r.build_time).toBeLessThanOrEqual(r.cost_time);
  });

  it('a failing command in the middle of a step fails the step (bash -e)', async () => {
    const job = await ek.newJob({ scms: scm(), steps: [shell('strict', 'false\necho after-false')] });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('FAILURE');
    expect(await ek.log(job, 1)).not.toContain('after-false');
  });

  it('a disabled job refuses new runs with a 400 saying so; recovered, it runs again', async () => {
    const job = await ek.newJob({ scms: scm(), steps: [shell('ok', 'echo ok')] });
    expect((await ek.post(`/v3/jobs/${job}/disable`)).statusCode).toBe(200);
    for (const url of ['/v3/jobs/build', '/v1/job/execute']) {
      const res = await ek.post(url, { job_id: job });
      expectError(res, 400, 'CB.00060200', /is disabled; enable it first \(`kiln jobs enable`/);
    }
    // Nothing was queued and no number was used.
    expect((await ek.get(`/v3/jobs/${job}/status`)).json()).toEqual({ result: false });
    expect((await ek.get(`/v1/record/${job}/1/build-info-record`)).statusCode).toBe(404);

    expect((await ek.post(`/v3/jobs/${job}/recover`)).statusCode).toBe(200);
    const again = await ek.run(job);
    expect(again.actual_build_number).toBe('1');
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
  });

  it('stops a running build (StopBuildJob): ABORTED, the step did not finish', async () => {
    const job = await ek.newJob({
      scms: scm(),
      steps: [shell('long', 'echo long-started; sleep 30; echo long-ended')],
    });
    await ek.run(job);
    await ek.waitLog(job, 1, /long-started/);
    const res = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, result: '' });
    const r = await ek.waitFinished(job, 1, 5_000);
    expect(r.state).toBe('ABORTED');
    expect(await ek.log(job, 1)).not.toContain('long-ended');
    expect((await ek.details(job, 1)).build_steps[0]?.status).toBe('error');
  });
});
