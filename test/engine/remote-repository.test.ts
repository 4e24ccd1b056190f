import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitDaemon, type GitDaemon } from '../helpers/git-daemon.ts';
import { TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { sharedDir } from '../helpers/runner.ts';

/**
 * A repository served over the network (`git daemon` on loopback): the runner's mirror clones it
 * once, later builds fetch only what is new, builds queued together share one fetch, and a build
 * whose sandbox has no network still checks out (the runner fetches, not the build).
 */

let daemon: GitDaemon;
let repo: TestRepo;
let url: string;

/** How many times the daemon served a fetch or clone of the repository. */
const fetches = () =>
  daemon
    .log()
    .split('\n')
    .filter((l) => l.includes('Request upload-pack')).length;

beforeAll(async () => {
  repo = new TestRepo();
  repo.commit('one', { 'v.txt': 'one\n' });
  daemon = await startGitDaemon(dirname(repo.dir));
  url = `${daemon.base}/${basename(repo.dir)}`;
});
afterAll(() => daemon?.stop());

function shown(log: string): Record<string, string> {
  return Object.fromEntries(
    log
      .split('\n')
      .map((l) => /^(HEAD|CONTENT|ORIGIN|NET)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

const SHOW =
  'echo "HEAD=$(git rev-parse HEAD)"; echo "CONTENT=$(cat v.txt)"; echo "ORIGIN=$(git remote get-url origin)"';

describe('a repository over git://', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1 } });
  });
  afterAll(() => ek?.close());

  it('is cloned into the mirror once; later builds fetch what is new', async () => {
    const job = await ek.newJob({
      scms: [{ url, scm_type: 'git', branch: 'main' }],
      steps: [shell('show', SHOW)],
    });
    await ek.run(job);
    const r1 = await ek.waitFinished(job, 1);
    const log1 = await ek.log(job, 1);
    expect(r1.state, log1).toBe('SUCCESS');
    expect(shown(log1)).toEqual({ HEAD: repo.git('rev-parse', 'HEAD'), CONTENT: 'one', ORIGIN: url });
    expect(r1.commit_id).toBe(repo.git('rev-parse', 'HEAD'));

    const before = fetches();
    const two = repo.commit('two', { 'v.txt': 'two\n' });
    await ek.run(job);
    const r2 = await ek.waitFinished(job, 2);
    expect(r2.state, await ek.log(job, 2)).toBe('SUCCESS');
    expect(shown(await ek.log(job, 2))).toMatchObject({ HEAD: two, CONTENT: 'two' });
    expect(fetches()).toBe(before + 1);
  });

  it('builds queued together share one fetch', async () => {
    const job = await ek.newJob({
      scms: [{ url, scm_type: 'git', branch: 'main' }],
      steps: [shell('show', SHOW)],
    });
    const head = repo.commit('three', { 'v.txt': 'three\n' });
    // The one slot is busy while the five are triggered, so they all wait in the queue.
    const gate = join(sharedDir('remote'), 'go');
    const blocker = await ek.newJob({
      scms: [],
      steps: [shell('block', `echo blocking; while [ ! -f ${gate} ]; do sleep 0.05; done`)],
    });
    await ek.run(blocker);
    await ek.waitLog(blocker, 1, /^blocking$/m);
    const before = fetches();
    for (let i = 0; i < 5; i++) await ek.run(job);
    // A build's trigger is known to the runner as "queued for N ms" when it gets the lease, so its
    // freshness is dated a little late (by the lease's way to the runner): the first fetch must come
    // well after the last trigger for all five to see it as after theirs. (Under a loaded machine a
    // fetch a few hundred ms after the triggers was taken for older than one of them.)
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    writeFileSync(gate, '');
    for (let n = 1; n <= 5; n++) {
      const r = await ek.waitFinished(job, n);
      expect(r.state).toBe('SUCCESS');
      expect(shown(await ek.log(job, n)).HEAD).toBe(head);
    }
    // The five need the repository as it was when they were triggered: one fetch, made after
    // that, serves them all.
    expect(fetches()).toBe(before + 1);
  });
});

describe('with the network off for builds', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1, env: { KILN_SANDBOX_NETWORK: 'off' } } });
  });
  afterAll(() => ek?.close());

  it('still checks out a remote repository: the runner fetches, the build cannot reach the network', async () => {
    const port = new URL(url).port;
    const job = await ek.newJob({
      scms: [{ url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell(
          'show',
          `${SHOW}; (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo NET=on || echo NET=off`,
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(shown(log)).toEqual({
      HEAD: repo.git('rev-parse', 'HEAD'),
      CONTENT: repo.git('show', 'HEAD:v.txt'),
      ORIGIN: url,
      NET: 'off',
    });
  });
});
