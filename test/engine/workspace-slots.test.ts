import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDir } from '../helpers/runner.ts';
import { TestRepo } from '../helpers/git.ts';
import {
  shell,
  sleep,
  startEngineKiln,
  usedBuildDirs,
  waitUntil,
  type EngineKiln,
} from '../helpers/engine.ts';

/**
 * Workspaces (fresh per build, with a fresh HOME and /tmp, all removed at the end unless the job
 * keeps its workspace) and runner slots (at most N builds at once; the rest wait, and start in
 * trigger order).
 */

let ek: EngineKiln;
let repo: TestRepo;
let scratch: string;

beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 2 } });
  repo = new TestRepo();
  repo.commit('first');
  scratch = sharedDir('slots');
});
afterAll(async () => {
  await ek?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const scm = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];
const workDir = () => ek.kiln.workDir as string;

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** A build's directories go when it ends (a moment after Finished is allowed for the removal). */
async function expectNoWorkspaces(withinMs = 2_000): Promise<void> {
  await waitUntil(
    'build directories to be removed',
    () => (usedBuildDirs(workDir()).length === 0 ? true : undefined),
    withinMs,
  ).catch(() => {
    throw new Error(`build directories left behind: ${usedBuildDirs(workDir()).join(', ')}`);
  });
}

describe('workspaces', () => {
  it('runs each build in a workspace, HOME and /tmp that are removed when the build ends (SUCCESS and FAILURE)', async () => {
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'write',
          [
            'ls; test -f README.md; test ! -f leftover.txt; echo data > leftover.txt; echo "WS=$WORKSPACE"',
            'test ! -e ~/.gitconfig; test ! -e /tmp/left; git config --global user.name planted; echo x > /tmp/left',
          ].join('\n'),
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
    expect(/^WS=(.+)$/m.exec(await ek.log(job, 1))?.[1]).toBe('/workspace');
    await expectNoWorkspaces();

    // The next build starts clean (the tests in the step fail if anything of build 1 survived).
    await ek.run(job);
    expect((await ek.waitFinished(job, 2)).state).toBe('SUCCESS');
    await expectNoWorkspaces();

    const failing = await ek.newJob({ scms: scm(), steps: [shell('fail', 'echo x > f.txt; exit 1')] });
    await ek.run(failing);
    expect((await ek.waitFinished(failing, 1)).state).toBe('FAILURE');
    await expectNoWorkspaces();
    expect(entries(join(workDir(), 'kept'))).not.toContain(failing);
  });

  it('removes a tree deeper than PATH_MAX and a directory of many files that the build made', async () => {
    // 40 levels of 200-character names: 8,000 bytes of path, past Linux's 4,096 (Node's recursive
    // rm failed there with ENAMETOOLONG and the tree stayed on disk for good).
    const name = 'd'.repeat(200);
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'deep',
          [
            `for i in $(seq 40); do mkdir ${name} && cd ${name} || exit 1; done; echo bottom > file.txt`,
            'cd /tmp && mkdir many && cd many && seq 20000 | xargs touch && ls | wc -l',
          ].join('\n'),
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 60_000);
    expect(r.state, await ek.log(job, 1)).toBe('SUCCESS');
    expect(await ek.log(job, 1)).toContain('20000');
    await expectNoWorkspaces(20_000);
  }, 90_000);

  it('keeps the last workspace under kept/<job_id> with kiln.keep_workspace', async () => {
    const job = await ek.newJob({
      scms: scm(),
      kiln: { keep_workspace: true },
      steps: [shell('write', 'echo "artifact of $BUILD_NUMBER" > artifact.txt')],
    });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const kept = join(workDir(), 'kept', job);
    await waitUntil(
      'the kept workspace',
      () => (existsSync(join(kept, 'artifact.txt')) ? true : undefined),
      2_000,
    );
    expect(readFileSync(join(kept, 'artifact.txt'), 'utf8')).toBe('artifact of 1\n');
    expect(existsSync(join(kept, 'README.md'))).toBe(true);
    // A kept workspace outlives the build, so it is a clone of its own, not one borrowing the
    // mirror's objects.
    expect(existsSync(join(kept, '.git', 'objects', 'info', 'alternates'))).toBe(false);
    // (The build's own user owns it: git needs to be told it is safe to read.)
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'safe.directory=*', ...args], { cwd: kept, encoding: 'utf8' });
    expect(git('fsck', '--no-dangling')).toBe('');
    expect(git('status', '--porcelain')).toBe('?? artifact.txt\n');
    await expectNoWorkspaces();

    // Only the newest is kept.
    await ek.run(job);
    expect((await ek.waitFinished(job, 2)).state).toBe('SUCCESS');
    await waitUntil(
      'the newer kept workspace',
      () =>
        existsSync(join(kept, 'artifact.txt')) &&
        readFileSync(join(kept, 'artifact.txt'), 'utf8') === 'artifact of 2\n'
          ? true
          : undefined,
      2_000,
    );
    await expectNoWorkspaces();
  });
});

describe('slots', () => {
  it('with 2 slots a third build waits (Starting) until one of the two finishes', async () => {
    const gates = join(scratch, 'gates');
    mkdirSync(gates, { recursive: true });
    const job = await ek.newJob({
      scms: scm(),
      steps: [
        shell(
          'gated',
          `echo "started $BUILD_NUMBER"; while [ ! -f ${gates}/$BUILD_NUMBER ]; do sleep 0.02; done; echo "released $BUILD_NUMBER"`,
        ),
      ],
    });
    for (let i = 0; i < 3; i++) await ek.run(job);
    await ek.waitLog(job, 1, /^started 1$/m);
    await ek.waitLog(job, 2, /^started 2$/m);
    expect((await ek.record(job, 1)).job_running_status).toBe('Running');
    expect((await ek.record(job, 2)).job_running_status).toBe('Running');

    // For a good while, the third stays queued.
    const until = Date.now() + 1_000;
    while (Date.now() < until) {
      const r = await ek.record(job, 3);
      expect(r).toMatchObject({ job_running_status: 'Starting', state: '', build_time: 0 });
      await sleep(100);
    }
    expect(await ek.log(job, 3)).not.toContain('started 3');
    expect((await ek.get(`/v1/job/${job}/running-status`)).json().result.is_running).toBe(true);

    // Build 2 (not the first) finishes: its slot goes to build 3.
    writeFileSync(join(gates, '2'), '');
    expect((await ek.waitFinished(job, 2)).state).toBe('SUCCESS');
    await ek.waitLog(job, 3, /^started 3$/m, 5_000);
    expect((await ek.record(job, 1)).job_running_status).toBe('Running');

    writeFileSync(join(gates, '1'), '');
    writeFileSync(join(gates, '3'), '');
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    expect((await ek.waitFinished(job, 3)).state).toBe('SUCCESS');
  });

  it('starts queued builds in trigger order, across jobs', async () => {
    const gate = join(scratch, 'order-gate');
    const blocker = await ek.newJob({
      scms: [],
      steps: [shell('block', `echo blocking; while [ ! -f ${gate} ]; do sleep 0.02; done`)],
    });
    const a = await ek.newJob({ scms: [], steps: [shell('a', 'echo a $BUILD_NUMBER')] });
    const b = await ek.newJob({ scms: [], steps: [shell('b', 'echo b $BUILD_NUMBER')] });
    await ek.run(blocker);
    await ek.run(blocker);
    await ek.waitLog(blocker, 1, /^blocking$/m);
    await ek.waitLog(blocker, 2, /^blocking$/m);

    const triggered: [string, number][] = [];
    for (let i = 1; i <= 4; i++) {
      await ek.run(a);
      triggered.push([a, i]);
      await ek.run(b);
      triggered.push([b, i]);
    }
    for (const [job, n] of triggered) expect((await ek.record(job, n)).job_running_status).toBe('Starting');
    writeFileSync(gate, '');

    const starts: string[] = [];
    for (const [job, n] of triggered) {
      expect((await ek.waitFinished(job, n)).state).toBe('SUCCESS');
      starts.push((await ek.recordInfo(job, n)).start_time);
    }
    // Claimed one after another in trigger order: run start times never go backwards.
    for (const s of starts) expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    expect([...starts].sort()).toEqual(starts);
    await expectNoWorkspaces();
  });
});
