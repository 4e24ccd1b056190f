import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Runner } from '../../src/runner/runner.ts';
import { TestClock } from '../helpers/app.ts';
import { TestRepo } from '../helpers/git.ts';
import { newYamlJob, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';
import { referenceRead, slowFlowFiles, type ReferenceRead } from '../helpers/slow-build-file.ts';

/**
 * A build stopped while its runner reads its build.yml (a file slow to read within the reader's
 * limits: a flow of jobs whose files each take the YAML library seconds) ends ABORTED at once,
 * by the API's stop or by its runner stopping, not once the read is done; the reader goes on
 * reading other builds' files. "At once" is told by a reference: the same read, on a thread of
 * the test's, begun before the build's, and still under way when the build has ended.
 */

const SLOW = slowFlowFiles('ci', 4);
const QUICK = 'version: 2.0\nsteps:\n  BUILD:\n    - sh: {name: quick, inputs: {command: echo quick}}\n';

let ek: EngineKiln;
let repo: TestRepo;
let copy: string;
beforeAll(async () => {
  ek = await startEngineKiln({ clock: TestClock.live(), leaseMs: 60_000 });
  repo = new TestRepo();
  repo.commit('slow and quick build files', { ...SLOW, 'ci/quick.yml': QUICK });
  // The reference reads its own copy of the files.
  copy = mkdtempSync(join(tmpdir(), 'kiln-slow-read-'));
  for (const [path, text] of Object.entries(SLOW)) {
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    writeFileSync(join(copy, path), text);
  }
});
afterAll(async () => {
  await ek?.close();
  rmSync(copy, { recursive: true, force: true });
});

async function runnerNamed(id: string): Promise<Runner> {
  const runner = new Runner(ek.kiln.engine.dispatch.peer(id), await testRunnerOptions(1));
  runner.start();
  return runner;
}

async function runQuick(): Promise<void> {
  const job = await newYamlJob(ek, repo.url, 'ci/quick.yml');
  await ek.run(job);
  expect((await ek.waitFinished(job, 1, 30_000)).state).toBe('SUCCESS');
  expect(await ek.log(job, 1)).toContain('read ci/quick.yml: 1 step');
}

/** The slow flow's build, begun after the reference's read; resolves once its read has begun. */
async function startSlowBuild(): Promise<{ job: string; reference: ReferenceRead }> {
  const reference = referenceRead(
    copy,
    'ci/flow.yml',
    [],
    {},
    { name: 'r', arch: process.arch, pool: 'default' },
  );
  await reference.begun;
  const job = await newYamlJob(ek, repo.url, 'ci/flow.yml');
  await ek.run(job);
  // The read is asked for right after this line (and the reader's thread, started by the quick
  // build's read, takes it at once).
  await ek.waitLog(job, 1, /checked out/, 30_000);
  return { job, reference };
}

it('StopBuildJob during the read: ABORTED before the read could end; the next build reads its file', async () => {
  const runner = await runnerNamed('local:stop');
  let reference: ReferenceRead | undefined;
  try {
    await runQuick();
    const slow = await startSlowBuild();
    reference = slow.reference;
    const stop = await ek.post(`/v3/jobs/${slow.job}/1/stop`);
    expect(stop.statusCode, stop.body).toBe(200);
    expect((await ek.waitFinished(slow.job, 1, 30_000)).state).toBe('ABORTED');
    expect(reference.done()).toBe(false);
    const log = await ek.log(slow.job, 1);
    expect(log).toContain('reading ci/flow.yml interrupted (the build was stopped)');
    expect(log).not.toContain('the runner failed');
    // The reader's thread was replaced: another build's file is read.
    await runQuick();
  } finally {
    await reference?.stop();
    await runner.stop();
  }
}, 90_000);

it('a runner stopping during the read ends the build ABORTED before the read could end', async () => {
  const runner = await runnerNamed('local:shutdown');
  let reference: ReferenceRead | undefined;
  try {
    const slow = await startSlowBuild();
    reference = slow.reference;
    await runner.stop();
    expect(reference.done()).toBe(false);
    expect(await ek.record(slow.job, 1)).toMatchObject({ job_running_status: 'Finished', state: 'ABORTED' });
    expect(await ek.log(slow.job, 1)).toContain('reading ci/flow.yml interrupted (shutdown)');
  } finally {
    await reference?.stop();
    await runner.stop();
  }
}, 90_000);
