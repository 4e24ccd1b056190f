import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { isAlive, shell, sleep, startEngineKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';

/**
 * Stopping builds (running: the whole process tree dies; queued: it leaves the queue without
 * running) and the job's timeout (state `timeout`, processes killed).
 */

let repo: TestRepo;
let scratch: string;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit('first');
  scratch = mkdtempSync(join(tmpdir(), 'kiln-stop-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const scm = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];

function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** Waits (briefly: signals are delivered asynchronously) until none of `pids` is alive. */
async function expectAllDead(pids: number[], graceMs = 1_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(25);
  expect(pids.filter(isAlive)).toEqual([]);
}

/** The build's workspace is gone (a moment after Finished is allowed for the removal). */
async function expectWorkspaceRemoved(ek: EngineKiln, job: string): Promise<void> {
  const dir = join(ek.kiln.workDir as string, 'workspaces');
  const left = () => (existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(job)) : []);
  await waitUntil('the workspace to be removed', () => (left().length === 0 ? true : undefined), 2_000).catch(
    () => {
      throw new Error(`workspace left behind: ${left().join(', ')}`);
    },
  );
}

describe('stopping and timing out running builds', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 2 } });
  });
  afterAll(() => ek?.close());

  it('StopBuildJob during `sleep 30`: {success:true,result:""}, ABORTED within 5 s, the whole process tree killed', async () => {
    const pidFile = join(scratch, 'stop-pids');
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'spawns children',
          [
            `echo $$ > ${pidFile}`,
            `sleep 300 & echo $! >> ${pidFile}`,
            `(sleep 300; echo grandchild-ended) & echo $! >> ${pidFile}`,
            `sh -c 'sleep 300' & echo $! >> ${pidFile}`,
            // Ignores SIGTERM: only a SIGKILL ends it.
            `(trap '' TERM; exec sleep 300) & echo $! >> ${pidFile}`,
            'echo children-started',
            'sleep 30',
            'echo step-ended',
          ].join('\n'),
        ),
        shell('after', 'echo after-ran'),
      ],
    });
    await ek.run(job);
    await ek.waitLog(job, 1, /children-started/);
    const pids = pidsIn(pidFile);
    expect(pids.length).toBe(5);
    expect(pids.filter(isAlive)).toEqual(pids);

    const stoppedAt = Date.now();
    const res = await ek.post(`/v3/jobs/${job}/1/stop`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, result: '' });
    const r = await ek.waitFinished(job, 1, 5_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(r.state).toBe('ABORTED');
    await expectAllDead(pids);

    const log = await ek.log(job, 1);
    expect(log).not.toContain('step-ended');
    expect(log).not.toContain('after-ran');
    expect(log).not.toContain('grandchild-ended');
    const d = await ek.details(job, 1);
    expect(d.build_steps.map((s) => s.status)).toEqual(['error', '']);
    expect(r.build_time).toBeLessThanOrEqual(r.cost_time);
    expect((await ek.get(`/v3/jobs/${job}/status`)).json()).toEqual({ result: false });
    await expectWorkspaceRemoved(ek, job);
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
    const pidFile = join(scratch, 'timeout-pids');
    const job = await ek.newJob({
      scms: scm(),
      timeout: { limit: '2', unit: 'SECONDS' },
      steps: [
        shell(
          'too slow',
          [
            `echo $$ > ${pidFile}`,
            `sleep 300 & echo $! >> ${pidFile}`,
            'echo slow-started',
            'sleep 30',
            'echo slow-ended',
          ].join('\n'),
        ),
      ],
    });
    const started = Date.now();
    await ek.run(job);
    await ek.waitLog(job, 1, /slow-started/);
    const pids = pidsIn(pidFile);
    expect(pids.length).toBe(2);
    const r = await ek.waitFinished(job, 1, 8_000);
    expect(r.state).toBe('timeout');
    // Not before the limit, and not long after it.
    expect(r.build_time).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - started).toBeLessThan(8_000);
    await expectAllDead(pids);
    const log = await ek.log(job, 1);
    expect(log).not.toContain('slow-ended');
    expect(log).toMatch(/timeout/i);
    expect((await ek.details(job, 1)).build_steps[0]?.status).toBe('error');
    await expectWorkspaceRemoved(ek, job);
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
    const marker = join(scratch, 'queued-ran');
    const long = await ek.newJob({ scms: scm(), steps: [shell('long', 'echo long-started; sleep 30')] });
    const job = await ek.newJob({
      scms: scm(),
      steps: [shell('mark', `echo ran-$BUILD_NUMBER >> ${marker}; echo queued-step-ran`)],
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
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual(['ran-2']);
    expect(await ek.log(job, 1)).not.toContain('queued-step-ran');
    expect(await ek.log(job, 2)).toContain('queued-step-ran');
    // ShowRecordDetail: the stopped build never started running.
    const info = await ek.recordInfo(job, 1);
    expect(info).toMatchObject({ status: 'ABORTED', start_time: '', duration: 0 });
  });

  it('the queue is served in trigger order once a stopped build leaves it', async () => {
    const gate = join(scratch, 'order-gate');
    const order = join(scratch, 'order');
    const blocker = await ek.newJob({
      scms: scm(),
      steps: [shell('block', `echo blocking; while [ ! -f ${gate} ]; do sleep 0.05; done`)],
    });
    const job = await ek.newJob({ scms: scm(), steps: [shell('order', `echo $BUILD_NUMBER >> ${order}`)] });
    await ek.run(blocker);
    await ek.waitLog(blocker, 1, /blocking/);
    for (let i = 0; i < 5; i++) await ek.run(job);
    expect((await ek.post('/v3/jobs/stop', { job_id: job, build_no: '3' })).json()).toEqual({ result: true });
    await waitUntil(
      'build 3 ABORTED',
      async () => ((await ek.record(job, 3)).state === 'ABORTED' ? true : undefined),
      2_000,
    );
    rmSync(order, { force: true });
    writeFileSync(gate, '');
    for (const n of [1, 2, 4, 5]) expect((await ek.waitFinished(job, n, 10_000)).state).toBe('SUCCESS');
    expect(readFileSync(order, 'utf8').trim().split('\n')).toEqual(['1', '2', '4', '5']);
  });
});
