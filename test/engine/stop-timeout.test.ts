import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import {
  usedBuildDirs,
  processesWith,
  shell,
  sleep,
  startEngineKiln,
  uniqueSleep,
  waitUntil,
  type EngineKiln,
} from '../helpers/engine.ts';
import { sharedDir } from '../helpers/runner.ts';

/**
 * Stopping builds (running: every process of the build dies, however it was started; queued: it
 * leaves the queue without running) and the job's timeout (state `timeout`, processes killed).
 */

let repo: TestRepo;
let scratch: string;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit('first');
  scratch = sharedDir('stop');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const scm = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];

/** Waits (briefly: signals are delivered asynchronously) until no process has `text` in its command line. */
async function expectNoneLeft(text: string, graceMs = 1_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (processesWith(text).length > 0 && Date.now() < deadline) await sleep(25);
  expect(processesWith(text)).toEqual([]);
}

/** The build's directories are gone (a moment after Finished is allowed for the removal). */
async function expectBuildDirsRemoved(ek: EngineKiln): Promise<void> {
  const workDir = ek.kiln.workDir as string;
  await waitUntil(
    'the build directories to be removed',
    () => (usedBuildDirs(workDir).length === 0 ? true : undefined),
    2_000,
  );
}

describe('stopping and timing out running builds', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 2 } });
  });
  afterAll(() => ek?.close());

  it('StopBuildJob during `sleep 30`: {success:true,result:""}, ABORTED within 5 s, every process of the build killed', async () => {
    const tag = `sleep ${uniqueSleep()}`;
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'spawns children',
          [
            `${tag} &`,
            `(${tag}; echo grandchild-ended) &`,
            `sh -c '${tag}' &`,
            // Ignores SIGTERM: only a SIGKILL ends it.
            `(trap '' TERM; exec ${tag}) &`,
            // Leave the process group and the session: the sandbox still holds them.
            `setsid ${tag} &`,
            `nohup ${tag} >/dev/null 2>&1 &`,
            `(setsid sh -c '${tag} & exit 0') &`,
            'sleep 0.3; echo children-started',
            'sleep 30',
            'echo step-ended',
          ].join('\n'),
        ),
        shell('after', 'echo after-ran'),
      ],
    });
    await ek.run(job);
    await ek.waitLog(job, 1, /children-started/);
    expect(processesWith(tag).length).toBeGreaterThanOrEqual(7);

    const stoppedAt = Date.now();
    const res = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, result: '' });
    const r = await ek.waitFinished(job, 1, 5_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(r.state).toBe('ABORTED');
    await expectNoneLeft(tag);

    const log = await ek.log(job, 1);
    expect(log).not.toContain('step-ended');
    expect(log).not.toContain('after-ran');
    expect(log).not.toContain('grandchild-ended');
    const d = await ek.details(job, 1);
    expect(d.build_steps.map((s) => s.status)).toEqual(['error', '']);
    expect(r.build_time).toBeLessThanOrEqual(r.cost_time);
    expect((await ek.get(`/v3/jobs/${job}/status`)).json()).toEqual({ result: false });
    await expectBuildDirsRemoved(ek);
  });

  it('StopJob body variant {job_id, build_no:"N"} answers {result:true} and aborts the build', async () => {
    const job = await ek.newJob({ scms: scm(), steps: [shell('long', 'echo long-started; sleep 30')] });
    await ek.run(job);
    await ek.waitLog(job, 1, /long-started/);
    const res = await ek.post('/v3/jobs/stop', { job_id: job, build_no: '1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ result: true });
    expect((await ek.waitFinished(job, 1, 5_000)).state).toBe('ABORTED');
  });

  it("ends `timeout` when the job's timeout passes, with its processes killed", async () => {
    const tag = `sleep ${uniqueSleep()}`;
    const job = await ek.newJob({
      scms: scm(),
      timeout: { limit: '2', unit: 'SECONDS' },
      steps: [
        shell(
          'too slow',
          [`setsid ${tag} &`, `${tag} &`, 'echo slow-started', 'sleep 30', 'echo slow-ended'].join('\n'),
        ),
      ],
    });
    const started = Date.now();
    await ek.run(job);
    await ek.waitLog(job, 1, /slow-started/);
    await waitUntil(
      "the step's processes",
      () => (processesWith(tag).length === 2 ? true : undefined),
      2_000,
    );
    const r = await ek.waitFinished(job, 1, 8_000);
    expect(r.state).toBe('timeout');
    // Not before the limit, and not long after it.
    expect(r.build_time).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - started).toBeLessThan(8_000);
    await expectNoneLeft(tag);
    const log = await ek.log(job, 1);
    expect(log).not.toContain('slow-ended');
    expect(log).toMatch(/timeout/i);
    expect((await ek.details(job, 1)).build_steps[0]?.status).toBe('error');
    await expectBuildDirsRemoved(ek);
  });

  it('stopping a build that already finished does not change it', async () => {
    const job = await ek.newJob({ scms: scm(), steps: [shell('quick', 'echo quick')] });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const res = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(res.statusCode).toBe(200);
    expect(res.json().success).toBe(false);
    expect(typeof res.json().result).toBe('string');
    expect((await ek.record(job, 1)).state).toBe('SUCCESS');
  });
});

describe('stopping a queued build', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1 } });
  });
  afterAll(() => ek?.close());

  it('removes it from the queue: ABORTED without ever running (build_time 0), and the queue moves on', async () => {
    const long = await ek.newJob({ scms: scm(), steps: [shell('long', 'echo long-started; sleep 30')] });
    const job = await ek.newJob({
      scms: scm(),
      steps: [shell('mark', 'echo queued-step-ran')],
    });

    await ek.run(long);
    await ek.waitLog(long, 1, /long-started/);
    await ek.run(job); // build 1 of `job`: waits behind `long`
    await ek.run(job); // build 2: waits too
    expect((await ek.record(job, 1)).job_running_status).toBe('Starting');

    const res = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, result: '' });
    // Dequeued at once, not when the slot frees up.
    const stopped = await ek.waitFinished(job, 1, 2_000);
    expect(stopped).toMatchObject({
      job_running_status: 'Finished',
      state: 'ABORTED',
      build_time: 0,
      commit_id: '',
    });
    expect((await ek.details(job, 1)).build_steps.map((s) => [s.status, s.build_time])).toEqual([['', 0]]);
    expect((await ek.record(long, 1)).job_running_status).toBe('Running');

    // Free the slot: the next queued build runs, the stopped one never does.
    const freed = await ek.post('/v3/jobs/stop', { job_id: long, build_no: '1' });
    expect(freed.json()).toEqual({ result: true });
    expect((await ek.waitFinished(long, 1, 5_000)).state).toBe('ABORTED');
    expect((await ek.waitFinished(job, 2, 10_000)).state).toBe('SUCCESS');

    expect((await ek.record(job, 1)).state).toBe('ABORTED');
    expect(await ek.log(job, 1)).not.toContain('queued-step-ran');
    expect(await ek.log(job, 2)).toContain('queued-step-ran');
    // ShowRecordDetail: the stopped build never started running.
    const info = await ek.recordInfo(job, 1);
    expect(info).toMatchObject({ status: 'ABORTED', start_time: '', duration: 0 });
  });

  it('the queue is served in trigger order once a stopped build leaves it', async () => {
    const gate = join(scratch, 'order-gate');
    const blocker = await ek.newJob({
      scms: scm(),
      steps: [shell('block', `echo blocking; while [ ! -f ${gate} ]; do sleep 0.05; done`)],
    });
    const job = await ek.newJob({ scms: scm(), steps: [shell('order', 'echo $BUILD_NUMBER')] });
    await ek.run(blocker);
    await ek.waitLog(blocker, 1, /blocking/);
    for (let i = 0; i < 5; i++) await ek.run(job);
    expect((await ek.post('/v3/jobs/stop', { job_id: job, build_no: '3' })).json()).toEqual({ result: true });
    await waitUntil(
      'build 3 ABORTED',
      async () => ((await ek.record(job, 3)).state === 'ABORTED' ? true : undefined),
      2_000,
    );
    writeFileSync(gate, '');
    const starts: string[] = [];
    for (const n of [1, 2, 4, 5]) {
      expect((await ek.waitFinished(job, n, 10_000)).state).toBe('SUCCESS');
      starts.push((await ek.recordInfo(job, n)).start_time);
    }
    // One slot: claimed one after another in trigger order, so run start times never go backwards.
    expect([...starts].sort()).toEqual(starts);
  });
});
