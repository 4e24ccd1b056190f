import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitDaemon, type GitDaemon } from '../helpers/git-daemon.ts';
import { TEST_REPOS, TestRepo } from '../helpers/git.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * What a job asks of its checkout beyond the commit: its submodules (`auto_update_sub_module`),
 * recursively, and its Git LFS files (`enable_git_lfs`). Both come through the runner's mirrors,
 * so a build without network gets them too.
 */

const hasGitLfs = spawnSync('git', ['lfs', 'version']).status === 0;

/** Commits `sub` as submodule `path` of `repo` at `sub`'s HEAD, with `url` in `.gitmodules`. */
function addSubmodule(repo: TestRepo, path: string, url: string, sub: TestRepo): void {
  appendFileSync(join(repo.dir, '.gitmodules'), `[submodule "${path}"]\n\tpath = ${path}\n\turl = ${url}\n`);
  repo.git('update-index', '--add', '--cacheinfo', `160000,${sub.git('rev-parse', 'HEAD')},${path}`);
  repo.git('add', '.gitmodules');
  repo.git('commit', '--quiet', '-m', `submodule ${path}`);
}

/** `KEY=value` lines a build printed. */
function shown(log: string): Record<string, string> {
  return Object.fromEntries(
    log
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

describe('submodules', () => {
  let daemon: GitDaemon;
  let base: string;
  let app: TestRepo;
  let lib: TestRepo;
  let leaf: TestRepo;
  let ek: EngineKiln;

  beforeAll(async () => {
    daemon = await startGitDaemon(TEST_REPOS);
    base = daemon.base;
    // app → lib (relative URL) → leaf (absolute URL): two levels, both over git://.
    leaf = new TestRepo();
    leaf.commit('leaf', { 'leaf.txt': 'leaf one\n' });
    lib = new TestRepo();
    lib.commit('lib', { 'lib.txt': 'lib one\n' });
    app = new TestRepo();
    app.commit('app', { 'app.txt': 'app\n' });
    addSubmodule(lib, 'deps/leaf', `${base}/${basename(leaf.dir)}`, leaf);
    addSubmodule(app, 'vendor/lib', `../${basename(lib.dir)}`, lib);
    // The builds have no network: every submodule must come from the runner's mirrors.
    ek = await startEngineKiln({ runner: { slots: 1, env: { KILN_SANDBOX_NETWORK: 'off' } } });
  });
  afterAll(async () => {
    await ek?.close();
    daemon?.stop();
  });

  const SHOW =
    'echo "LIB=$(cat vendor/lib/lib.txt)"; echo "LEAF=$(cat vendor/lib/deps/leaf/leaf.txt)"; ' +
    'echo "LIB_HEAD=$(git -C vendor/lib rev-parse HEAD)"';

  it('are checked out recursively at the commits the superproject names, with no network in the build', async () => {
    const job = await ek.newJob({
      scms: [{ url: `${base}/${basename(app.dir)}`, scm_type: 'git', branch: 'main' }],
      auto_update_sub_module: 'true',
      steps: [shell('show', SHOW)],
    });
    const pinned = lib.git('rev-parse', 'HEAD');
    // A later lib commit the superproject does not name: the build must not take it.
    lib.commit('lib two', { 'lib.txt': 'lib two\n' });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(shown(log), log).toMatchObject({ LIB: 'lib one', LEAF: 'leaf one', LIB_HEAD: pinned });
    expect(log).toContain('$ git submodule update --init --recursive');
  });

  it('are left out when the job does not ask for them', async () => {
    const job = await ek.newJob({
      scms: [{ url: `${base}/${basename(app.dir)}`, scm_type: 'git', branch: 'main' }],
      steps: [shell('show', 'echo "FILES=$(ls -A vendor/lib | wc -l)"')],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(shown(log).FILES).toBe('0');
  });

  it('fail the checkout with a clear line when one cannot be fetched', async () => {
    const broken = new TestRepo();
    broken.commit('broken', { 'b.txt': 'b\n' });
    addSubmodule(broken, 'missing', `${base}/no-such-repository`, lib);
    const job = await ek.newJob({
      scms: [{ url: `${base}/${basename(broken.dir)}`, scm_type: 'git', branch: 'main' }],
      auto_update_sub_module: 'true',
      steps: [shell('never', 'echo STEP_RAN=yes')],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state).toBe('FAILURE');
    // In words: the submodule, what failed, and where from.
    expect(log).toContain(`failed: submodule missing: cannot fetch ${base}/no-such-repository\n`);
    expect(log).not.toContain('STEP_RAN=yes');
  });
});

describe.skipIf(!hasGitLfs)('Git LFS', () => {
  let repo: TestRepo;
  let ek: EngineKiln;
  const content = 'large binary stand-in\n';

  beforeAll(async () => {
    repo = new TestRepo();
    repo.git('lfs', 'install', '--local');
    repo.git('lfs', 'track', '*.bin');
    // Hundreds of files: enough for git's parallel checkout (the checkout's workers write the
    // plain files; the LFS file's filter runs in git's own process).
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`many/f${i}.txt`, `file ${i}\n`]));
    repo.commit('lfs', { 'big.bin': content, 'plain.txt': 'plain\n', ...many });
    ek = await startEngineKiln({ runner: { slots: 1, env: { KILN_SANDBOX_NETWORK: 'off' } } });
  });
  afterAll(() => ek?.close());

  const SHOW = 'echo "BIG=$(head -c 200 big.bin | tr "\\n" " ")"; echo "PLAIN=$(cat plain.txt)"';

  it('files are fetched into the mirror and checked out when the job enables LFS', async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main', enable_git_lfs: true }],
      steps: [shell('show', SHOW)],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(shown(log)).toMatchObject({ BIG: content.replace('\n', ' '), PLAIN: 'plain' });
  });

  it('files and hundreds of plain ones are checked out whole: the workspace matches its commit', async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main', enable_git_lfs: true }],
      steps: [
        shell(
          'show',
          // Every file hashed again (through the LFS filter where it applies) against its commit:
          // WRONG is empty if a git command fails, so it cannot pass by accident.
          `${SHOW}; git ls-files -s | cut -d ' ' -f 2 > /tmp/want && ` +
            'git ls-files | git hash-object --stdin-paths > /tmp/have && ' +
            'echo "WRONG=$(diff /tmp/want /tmp/have | wc -l)"; ' +
            'echo "MANY=$(ls many | wc -l)"; echo "LAST=$(cat many/f299.txt)"',
        ),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(shown(log), log).toMatchObject({
      BIG: content.replace('\n', ' '),
      WRONG: '0',
      MANY: '300',
      LAST: 'file 299',
    });
  });

  it('stay pointers when it does not', async () => {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [shell('show', SHOW)],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1);
    const log = await ek.log(job, 1);
    expect(r.state, log).toBe('SUCCESS');
    expect(shown(log).BIG).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1 oid sha256:/);
  });
});
