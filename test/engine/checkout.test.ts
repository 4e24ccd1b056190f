import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { newYamlJob, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * What a build checks out (the job's branch, the codeBranch parameter, a tag, a commit) and what
 * the records then say about it; checkouts that cannot work end FAILURE quickly with a clear line.
 */

let ek: EngineKiln;
let repo: TestRepo;
const c = { one: '', two: '', three: '' };

const SHOW =
  'echo "HEAD=$(git rev-parse HEAD)"; echo "CONTENT=$(cat v.txt)"; echo "ENV_COMMIT=$COMMIT_ID"; echo "ENV_BRANCH=$CODE_BRANCH"';

beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 2 } });
  repo = new TestRepo();
  c.one = repo.commit('one', { 'v.txt': 'one\n' }, new Date('2023-11-21T01:48:21Z'));
  repo.tag('v1.0');
  c.two = repo.commit('two', { 'v.txt': 'two\n' }, new Date('2023-11-22T03:04:05Z'));
  repo.branch('release/1.x');
  c.three = repo.commit('three: the release', { 'v.txt': 'three\n' }, new Date('2023-12-01T10:00:00Z'));
  repo.git('checkout', '--quiet', 'main');
});
afterAll(() => ek?.close());

function job(branch = 'main', url?: string): Promise<string> {
  return ek.newJob({
    scms: [{ url: url ?? repo.url, scm_type: 'git', branch }],
    steps: [shell('show', SHOW)],
  });
}

function shown(log: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of log.split('\n')) {
    const m = /^(HEAD|CONTENT|ENV_COMMIT|ENV_BRANCH)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

it("checks out the head of the job's branch and records commit, commit time, type and branch", async () => {
  const id = await job('main');
  await ek.run(id);
  const r = await ek.waitFinished(id, 1);
  const log = await ek.log(id, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(shown(log)).toEqual({ HEAD: c.two, CONTENT: 'two', ENV_COMMIT: c.two, ENV_BRANCH: 'main' });
  expect(r).toMatchObject({
    commit_id: c.two,
    commit_info: { commit_id: c.two, created_at: '2023-11-22T03:04:05.000+00:00' },
    build_type: 'branch',
    code_branch: 'main',
  });
  const [listed] = await ek.records(id);
  expect(listed).toMatchObject({ commit_id: c.two, build_type: 'branch', code_branch: 'main' });
  const info = await ek.recordInfo(id, 1);
  expect(info).toMatchObject({
    commit: c.two,
    branch: 'main',
    build_type: 'branch',
    commit_message: 'two',
    commit_create_time: '2023-11-22T03:04:05.000+00:00',
  });
});

it('checks out a repository named by its path on the runner, through the mirror as its file:// URL', async () => {
  const id = await job('main', repo.dir);
  await ek.run(id);
  const r = await ek.waitFinished(id, 1);
  const log = await ek.log(id, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(shown(log)).toMatchObject({ HEAD: c.two, CONTENT: 'two' });
  expect(log).toContain(`-- ${repo.url} .   (from the runner's mirror)`);
});

it('builds the branch the job names, and the codeBranch run parameter overrides it', async () => {
  const release = await job('release/1.x');
  await ek.run(release);
  const r1 = await ek.waitFinished(release, 1);
  expect(r1.state).toBe('SUCCESS');
  expect(r1).toMatchObject({ commit_id: c.three, code_branch: 'release/1.x', build_type: 'branch' });

  const id = await job('main');
  await ek.run(id, { parameter: [{ name: 'codeBranch', value: 'release/1.x' }] });
  const r = await ek.waitFinished(id, 1);
  const log = await ek.log(id, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(shown(log)).toEqual({
    HEAD: c.three,
    CONTENT: 'three',
    ENV_COMMIT: c.three,
    ENV_BRANCH: 'release/1.x',
  });
  expect(r).toMatchObject({
    commit_id: c.three,
    commit_info: { commit_id: c.three, created_at: '2023-12-01T10:00:00.000+00:00' },
    build_type: 'branch',
    code_branch: 'release/1.x',
  });

  // An empty codeBranch (ShowDefaultBuildParameters' default) builds the job's own branch.
  const relJob = await job('release/1.x');
  await ek.run(relJob, { parameter: [{ name: 'codeBranch', value: '' }] });
  expect(await ek.waitFinished(relJob, 1)).toMatchObject({ state: 'SUCCESS', code_branch: 'release/1.x' });
});

it('builds a tag (scm.build_tag): build_type "tag", code_branch = the tag name', async () => {
  const id = await job('main');
  await ek.run(id, { scm: { build_tag: 'v1.0' } });
  const r = await ek.waitFinished(id, 1);
  const log = await ek.log(id, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(shown(log)).toMatchObject({ HEAD: c.one, CONTENT: 'one', ENV_COMMIT: c.one });
  expect(r).toMatchObject({
    commit_id: c.one,
    commit_info: { commit_id: c.one, created_at: '2023-11-21T01:48:21.000+00:00' },
    build_type: 'tag',
    code_branch: 'v1.0',
  });
  expect(await ek.recordInfo(id, 1)).toMatchObject({ tag: 'v1.0', build_type: 'tag', commit: c.one });
});

it('builds a commit (scm.build_commit_id) that is not the head of the branch', async () => {
  const id = await job('main');
  await ek.run(id, { scm: { build_commit_id: c.one } });
  const r = await ek.waitFinished(id, 1);
  const log = await ek.log(id, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(shown(log)).toMatchObject({ HEAD: c.one, CONTENT: 'one', ENV_COMMIT: c.one });
  expect(r).toMatchObject({
    commit_id: c.one,
    commit_info: { commit_id: c.one, created_at: '2023-11-21T01:48:21.000+00:00' },
    build_type: 'commit',
  });
  expect(await ek.recordInfo(id, 1)).toMatchObject({ commit: c.one, build_type: 'commit' });

  // Given a tag too, the commit wins (as the checkout action's rule).
  await ek.run(id, { scm: { build_tag: 'v1.0', build_commit_id: c.three } });
  const both = await ek.waitFinished(id, 2);
  expect(shown(await ek.log(id, 2))).toMatchObject({ HEAD: c.three, CONTENT: 'three' });
  expect(both).toMatchObject({ commit_id: c.three, build_type: 'commit' });

  // A commit only another branch has works too.
  await ek.run(id, { scm: { build_commit_id: c.three } });
  const r2 = await ek.waitFinished(id, 3);
  expect(r2.state, await ek.log(id, 3)).toBe('SUCCESS');
  expect(shown(await ek.log(id, 3))).toMatchObject({ HEAD: c.three, CONTENT: 'three' });
  expect(r2).toMatchObject({ commit_id: c.three, build_type: 'commit' });
});

it('a commit the mirror has does not make its branches and tags count as fetched', async () => {
  const other = new TestRepo();
  const first = other.commit('first', { 'o.txt': 'first\n' });
  // The runner's mirror of `other` is made by a build, then the repository moves on.
  const warm = await job('main', other.url);
  await ek.run(warm);
  expect((await ek.waitFinished(warm, 1)).state, await ek.log(warm, 1)).toBe('SUCCESS');
  const second = other.commit('second', { 'o.txt': 'second\n' });
  other.tag('v2');
  const yaml = new TestRepo();
  yaml.commit('three checkouts', {
    '.cloudbuild/build.yml': `version: 2.0
steps:
  BUILD:
    - checkout:
        inputs: {url: ${other.url}, commit: ${first}, path: a}
    - checkout:
        inputs: {url: ${other.url}, tag: v2, path: b}
    - checkout:
        inputs: {url: ${other.url}, branch: main, path: c}
    - sh:
        inputs:
          command: echo "B=$(git -C b rev-parse HEAD) C=$(git -C c rev-parse HEAD)"
`,
  });
  const id = await newYamlJob(ek, yaml.url);
  await ek.run(id);
  const r = await ek.waitFinished(id, 1, 30_000);
  const log = await ek.log(id, 1);
  // The first checkout needed no fetch (the mirror had the commit); the tag and the branch, new
  // since the mirror's last fetch, still need one.
  expect(r.state, log).toBe('SUCCESS');
  expect(log).toContain(`B=${second} C=${second}`);
});

it('a commit that does not exist ends FAILURE within seconds with a log line naming it', async () => {
  const id = await job('main');
  const missing = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';
  const started = Date.now();
  await ek.run(id, { scm: { build_commit_id: missing } });
  const r = await ek.waitFinished(id, 1, 10_000);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(r.state).toBe('FAILURE');
  const log = await ek.log(id, 1);
  expect(log.split('\n').some((l) => l.startsWith('[kiln]') && l.includes(missing))).toBe(true);
  expect(log).not.toContain('HEAD=');
  expect((await ek.details(id, 1)).build_steps[0]?.status).toBe('');
});

it('a repository that does not exist ends FAILURE within seconds with a log line naming it', async () => {
  const url = 'file:///nonexistent/kiln-no-such-repo';
  const id = await job('main', url);
  const started = Date.now();
  await ek.run(id);
  const r = await ek.waitFinished(id, 1, 10_000);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(r.state).toBe('FAILURE');
  const log = await ek.log(id, 1);
  expect(
    log
      .split('\n')
      .some((l) => l.startsWith('[kiln]') && l.includes(url) && /cannot|fail|not found/i.test(l)),
  ).toBe(true);
  expect(log).not.toContain('HEAD=');
});

it('a branch or tag that does not exist ends FAILURE with a log line naming it', async () => {
  const id = await job('main');
  await ek.run(id, { parameter: [{ name: 'codeBranch', value: 'no-such-branch' }] });
  await ek.run(id, { scm: { build_tag: 'v9.9.9' } });
  for (const [n, name] of [
    [1, 'no-such-branch'],
    [2, 'v9.9.9'],
  ] as const) {
    const r = await ek.waitFinished(id, n, 10_000);
    expect(r.state).toBe('FAILURE');
    const log = await ek.log(id, n);
    expect(
      log
        .split('\n')
        .some((l) => l.startsWith('[kiln]') && l.includes(name) && /cannot|fail|not found/i.test(l)),
    ).toBe(true);
    // The line says why, not only that the checkout failed.
    expect(log).toContain(`${name} of ${repo.url}: the repository has no branch or tag of that name`);
  }
});

it('never writes a password or token in the repository URL into the log', async () => {
  const id = await job('main', 'https://kiln-user:s3cret-t0ken@127.0.0.1:9/repo.git');
  await ek.run(id);
  const r = await ek.waitFinished(id, 1, 10_000);
  expect(r.state).toBe('FAILURE');
  const log = await ek.log(id, 1);
  // The whole userinfo goes (domain/url-credentials.ts): a token may be the user name too.
  expect(log).toContain('https://******@127.0.0.1:9/repo.git');
  expect(log).not.toContain('s3cret-t0ken');
  expect(log).not.toContain('kiln-user');
});

it('the workspace is a clone like git makes, borrowing from the mirror or standing alone', async () => {
  // Each build's workspace is made from the runner's mirror: `git clone --shared` borrows the
  // mirror's objects, unless the job keeps its workspace, which must then stand alone
  // (`--no-hardlinks` copies them). The step sees the same repository either way, for a branch,
  // a commit and a tag build, and `origin` is the repository itself, as after `git clone`.
  const fields = ['STATUS', 'HEAD', 'UPSTREAM', 'LOG', 'TAGS', 'MAIN', 'ORIGIN_HEAD', 'ORIGIN', 'FSCK'];
  const script = [
    'echo "STATUS=$(git status --porcelain | wc -l)"',
    'echo "HEAD=$(git rev-parse HEAD)"',
    'echo "UPSTREAM=$(git rev-parse --abbrev-ref @{upstream} 2>/dev/null)"',
    'echo "LOG=$(git log --format=%s | tr "\\n" ,)"',
    'echo "TAGS=$(git tag -l)"',
    'echo "MAIN=$(git rev-parse --verify --quiet main)"',
    'echo "ORIGIN_HEAD=$(git rev-parse --verify --quiet --abbrev-ref origin/HEAD)"',
    'echo "ORIGIN=$(git remote get-url origin)"',
    'echo "FSCK=$(git fsck --no-dangling 2>&1 | wc -l)"',
  ].join('; ');
  const runs = [
    {},
    { scm: { build_commit_id: c.one } },
    { parameter: [{ name: 'codeBranch', value: 'v1.0' }] },
  ];
  const seen: Record<string, string[]> = {};
  for (const keep of [false, true]) {
    const id = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [shell('show', script)],
      kiln: { keep_workspace: keep },
    });
    for (const [i, run] of runs.entries()) {
      await ek.run(id, run);
      const r = await ek.waitFinished(id, i + 1);
      const log = await ek.log(id, i + 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain(keep ? '$ git clone --quiet --no-hardlinks' : '$ git clone --quiet --shared');
      (seen[String(keep)] ??= []).push(
        log
          .split('\n')
          .filter((l) => fields.some((f) => l.startsWith(`${f}=`)))
          .join('\n'),
      );
    }
  }
  const [branch, commit, tag] = seen.false ?? [];
  expect(branch).toBe(
    `STATUS=0\nHEAD=${c.two}\nUPSTREAM=origin/main\nLOG=two,one,\nTAGS=v1.0\nMAIN=${c.two}\nORIGIN_HEAD=origin/main\nORIGIN=${repo.url}\nFSCK=0`,
  );
  expect(commit).toContain(`STATUS=0\nHEAD=${c.one}\n`);
  expect(commit).toContain(`MAIN=${c.two}\n`);
  // A clone of a tag fetches that tag alone.
  expect(tag).toBe(
    `STATUS=0\nHEAD=${c.one}\nUPSTREAM=\nLOG=one,\nTAGS=v1.0\nMAIN=\nORIGIN_HEAD=\nORIGIN=${repo.url}\nFSCK=0`,
  );
  expect(seen.true).toEqual(seen.false);
});

it("names the commit in Kiln's checkout line with the subject's control characters as spaces", async () => {
  const sly = new TestRepo();
  const commit = sly.commit('fix\u001b]0;owned\u0007\rforged line', { 'v.txt': 'x\n' });
  const id = await job('main', sly.url);
  await ek.run(id);
  expect((await ek.waitFinished(id, 1)).state).toBe('SUCCESS');
  const line = (await ek.log(id, 1)).split('\n').find((l) => l.includes(`checked out ${commit}`));
  expect(line).toMatch(/"fix ]0;owned {2}forged line"$/);
  expect(line).not.toMatch(/[\u0000-\u001f]/);
});
