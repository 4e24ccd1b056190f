import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { akskCredentials } from '../../src/client/aksk-signer.ts';
import { ApiError, createKilnClient } from '../../src/client/kiln-client.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { startCli } from './live-cli.ts';

// `kiln run`, `kiln builds`, `kiln logs`, `kiln stop` and `kiln access-keys` as real processes
// against a real `kiln serve` (with its local runner running real builds).

const param = (name: string, value: string) => ({
  name: 'hudson.model.StringParameterDefinition',
  params: [
    { name: 'name', value: name },
    { name: 'defaultValue', value },
  ],
});

describe('kiln run / builds / logs / stop / access-keys, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;
  let repo: TestRepo;
  let tagCommit: string;
  let job: string;
  let slowJob: string;
  let timeoutJob: string;

  const createJob = async (doc: Record<string, unknown>) => {
    const file = join(user.home, `${String(doc.job_name)}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const r = await user.run(['jobs', 'create', '-f', file, '--project', 'default']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    return r.stdout.trim();
  };

  beforeAll(async () => {
    repo = new TestRepo();
    tagCommit = repo.commit('first');
    repo.tag('v1.0');
    repo.branch('feature');
    repo.commit('on feature');
    repo.branch('main');
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
    job = await createJob({
      job_name: 'cli-run',
      arch: 'x86-64',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      parameters: [param('VERSION', '0'), param('FAIL', 'no')],
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'report',
          properties: {
            command:
              'echo "version=$VERSION branch=$CODE_BRANCH commit=$COMMIT_ID"; echo "ünïcødé ✓"; if [ "$FAIL" = yes ]; then exit 3; fi',
          },
        },
      ],
    });
    const sleeper = (name: string, timeoutSeconds: string) => ({
      job_name: name,
      arch: 'x86-64',
      timeout: { limit: timeoutSeconds, unit: 'SECONDS' },
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'sleep',
          properties: { command: 'echo started; sleep 30; echo woke' },
        },
      ],
    });
    slowJob = await createJob(sleeper('cli-slow', '120'));
    timeoutJob = await createJob(sleeper('cli-timeout', '1'));
  });
  // A failure caused by the server (it died, or answered 500) is explained by its own output.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`kiln serve output:\n${server?.output().slice(-5000) || '(none)'}`));
  });
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
    if (repo) rmSync(repo.dir, { recursive: true, force: true });
  });

  it('has help for each command', async () => {
    for (const [args, text] of [
      [['run', '--help'], 'Prints the new build'],
      [['builds', '--help'], '--limit'],
      [['logs', '--help'], '--follow'],
      [['stop', '--help'], 'ends ABORTED'],
      [['access-keys', '--help'], 'create'],
      [['access-keys', 'create', '--help'], 'shown only now'],
    ] as const) {
      const r = await user.run([...args]);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain(text);
    }
  });

  it('run prints the build number; logs prints its log; builds lists it', async () => {
    const r = await user.run(['run', job]);
    expect(r).toMatchObject({ code: 0, stdout: '1\n' });
    const log = await user.run(['logs', job, '1', '--follow', '--exit-status']);
    expect(log.stderr).toBe('');
    expect(log.code).toBe(0);
    expect(log.stdout).toContain('version=0 branch=main');
    expect(log.stdout).toContain('ünïcødé ✓');
    // Without --follow a finished build's log is the same bytes.
    expect((await user.run(['logs', job, '1'])).stdout).toBe(log.stdout);

    const table = await user.run(['builds', job]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /number.*daily number.*state.*trigger.*executor.*branch.*commit.*triggered.*duration/,
    );
    expect(table.stdout).toMatch(/│ 1 .*SUCCESS.*Manual.*admin.*main/);
  });

  it('run --param/--branch/--tag/--commit --follow streams the log and exits 0 on SUCCESS', async () => {
    const branch = await user.run([
      'run',
      job,
      '--param',
      'VERSION=2.0=x',
      '--branch',
      'feature',
      '--follow',
    ]);
    expect(branch.code, branch.stderr).toBe(0);
    expect(branch.stdout).toContain('version=2.0=x branch=feature');
    expect(branch.stderr).toMatch(/^Build 2 \(\d{8}\.2\) of job \w{32} queued; following its log/);
    expect(branch.stderr).toContain('Build 2 ended SUCCESS.');

    const tag = await user.run(['run', job, '--tag', 'v1.0', '-f']);
    expect(tag.code, tag.stderr).toBe(0);
    expect(tag.stdout).toContain(`branch=v1.0 commit=${tagCommit}`);

    const commit = await user.run(['run', job, '--commit', tagCommit, '-f']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(commit.stdout).toContain(`commit=${tagCommit}`);

    const rows = JSON.parse((await user.run(['builds', job, '-o', 'json'])).stdout);
    expect(rows.map((r: { number: number }) => r.number)).toEqual([4, 3, 2, 1]);
    expect(rows[1]).toMatchObject({ build_type: 'tag', code_branch: 'v1.0', commit_id: tagCommit });
    expect(rows[2]).toMatchObject({ build_type: 'branch', code_branch: 'feature' });
  });

  it('run --follow exits 10 on FAILURE and 12 on timeout, saying so', async () => {
    const failed = await user.run(['run', job, '--param', 'FAIL=yes', '--follow']);
    expect(failed.code).toBe(10);
    expect(failed.stdout).toContain('version=0');
    expect(failed.stderr).toMatch(/kiln: build \d+ of job \w{32} ended FAILURE/);

    const timedOut = await user.run(['run', timeoutJob, '--follow']);
    expect(timedOut.code).toBe(12);
    expect(timedOut.stdout).toContain('started');
    expect(timedOut.stderr).toContain('ended timeout');
  });

  it('stop ends a followed build ABORTED: the follower exits 11', async () => {
    const started = await user.run(['run', slowJob]);
    expect(started.code).toBe(0);
    const n = started.stdout.trim();
    const watcher = startCli(['logs', slowJob, n, '--follow', '--exit-status'], user.env);
    await watcher.waitForStdout(/started/);
    const stop = await user.run(['stop', slowJob, n]);
    expect(stop).toMatchObject({
      code: 0,
      stdout: `Build ${n} of job ${slowJob}: stop requested; it ends ABORTED.\n`,
    });
    const watched = await watcher.done;
    expect(watched.code).toBe(11);
    expect(watched.stderr).toContain(`build ${n} of job ${slowJob} ended ABORTED`);
    expect(watched.stdout).not.toContain('woke');

    // Stopping it again changes nothing and says why.
    const again = await user.run(['stop', slowJob, n]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to stop');
    expect(again.stdout).toContain('ABORTED');
  });

  it('Ctrl-C while following stops following, not the build', async () => {
    const follower = startCli(['run', slowJob, '--follow'], user.env);
    await follower.waitForStdout(/started/);
    const n = /Build (\d+)/.exec(follower.stderr())?.[1] ?? '';
    // The follower is (most likely) inside a held wait_ms request: Ctrl-C must cancel it at once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const interruptedAt = Date.now();
    follower.child.kill('SIGINT');
    const r = await follower.done;
    expect(Date.now() - interruptedAt).toBeLessThan(3_000);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`stopped following; build ${n} keeps running`);
    // The build goes on running until it is stopped.
    const [latest] = JSON.parse((await user.run(['builds', slowJob, '-o', 'json', '-n', '1'])).stdout);
    expect(latest).toMatchObject({ number: Number(n), job_running_status: 'Running', state: '' });
    expect((await user.run(['stop', slowJob, n])).code).toBe(0);
    const rest = await user.run(['logs', slowJob, n, '--follow', '--exit-status']);
    expect(rest.code).toBe(11);
  });

  it('builds writes csv and jsonl, and --limit keeps the newest', async () => {
    const csv = await user.run(['builds', job, '-o', 'csv', '-n', '2']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'number,daily_build_number,state,trigger_type,executor,build_type,code_branch,commit_id,start_time,build_time_ms',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /^5,\d{8}\.5,FAILURE,Manual,admin,branch,main,[0-9a-f]{40},\d{4}-\d\d-\d\dT[\d:.]+Z,\d+$/,
    );
    const jsonl = (await user.run(['builds', job, '-o', 'jsonl', '-n', '3'])).stdout.trim().split('\n');
    expect(jsonl.map((l) => JSON.parse(l).number)).toEqual([5, 4, 3]);
  });

  it('says what to do when a command cannot work', async () => {
    const unknownJob = await user.run(['run', '0'.repeat(32)]);
    expect(unknownJob.code).toBe(1);
    expect(unknownJob.stderr).toMatch(/^kiln: .*job/);
    expect(unknownJob.stderr).toContain('[request ');

    const noBuild = await user.run(['logs', job, '999']);
    expect(noBuild.code).toBe(1);
    expect(noBuild.stderr).toContain('build 999');

    const usage = await user.run(['logs', job, '1', '--exit-status']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--exit-status needs --follow');

    const badParam = await user.run(['run', job, '--param', 'NOPE=1']);
    expect(badParam.code).toBe(1);
    expect(badParam.stderr).toContain('"NOPE" is not a parameter of this job');
    const forbidden = await user.run(['run', job, '--param', 'BASH_ENV=/tmp/x']);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('"BASH_ENV" cannot be a parameter: CodeArts forbids');
    const long = await user.run(['run', job, '--param', `VERSION=${'x'.repeat(9000)}`]);
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('the value of "VERSION" has 9000 characters');

    const both = await user.run(['run', job, '--branch', 'main', '--param', 'codeBranch=x']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --branch or --param, not both');

    const conflicting = await user.run(['run', job, '--tag', 'v1.0', '--commit', tagCommit]);
    expect(conflicting.code).toBe(2);

    const badBuild = await user.run(['stop', job, 'x']);
    expect(badBuild.code).toBe(2);
    expect(badBuild.stderr).toContain('must be a whole number');

    const loggedOut = await user.run(['builds', job], {
      env: { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' },
    });
    expect(loggedOut.code).toBe(1);
    expect(loggedOut.stderr).toContain('not logged in: run `kiln login`');
  });

  it('access-keys: create prints the pair once; the key signs requests until disabled or deleted', async () => {
    const created = await user.run(['access-keys', 'create', '--description', 'cli test key']);
    expect(created.code, created.stderr).toBe(0);
    const [, ak] = /^AK: (\S+)$/m.exec(created.stdout) ?? [];
    const [, sk] = /^SK: (\S+)$/m.exec(created.stdout) ?? [];
    expect(ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(sk).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(created.stderr).toContain('not shown again');

    const signed = createKilnClient({
      baseUrl: server.url,
      credentials: akskCredentials(ak ?? '', sk ?? ''),
    });
    expect((await signed.showCurrentUser()).result.name).toBe('admin');

    const listed = JSON.parse((await user.run(['access-keys', 'list', '-o', 'json'])).stdout);
    expect(listed).toEqual([expect.objectContaining({ ak, status: 'active', description: 'cli test key' })]);
    expect(JSON.stringify(listed)).not.toContain(sk);
    const table = await user.run(['access-keys', 'list']);
    expect(table.stdout).toContain(ak);
    expect(table.stdout).toContain('cli test key');

    expect(await user.run(['access-keys', 'disable', ak ?? ''])).toMatchObject({
      code: 0,
      stdout: `Access key ${ak} disabled.\n`,
    });
    await expect(signed.showCurrentUser()).rejects.toMatchObject({ status: 401 });
    expect((await user.run(['access-keys', 'list', '-o', 'csv'])).stdout).toContain(`${ak},disabled,`);
    expect((await user.run(['access-keys', 'enable', ak ?? ''])).code).toBe(0);
    expect((await signed.showCurrentUser()).result.name).toBe('admin');
    expect(await user.run(['access-keys', 'delete', ak ?? ''])).toMatchObject({
      code: 0,
      stdout: `Access key ${ak} deleted.\n`,
    });
    const gone = await signed.showCurrentUser().catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ApiError);
    expect((gone as ApiError).message).toContain('ak not exist');
    expect((await user.run(['access-keys', 'list'])).stdout).toBe('(none)\n');

    const unknown = await user.run(['access-keys', 'disable', 'NOSUCHKEY']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOSUCHKEY');
  });

  it('access-keys: an administrator makes a key for another user; json output for scripts', async () => {
    const made = await user.run(['users', 'create', 'ci-bot', '--password', 'ci-bot-password-1']);
    expect(made.code, made.stderr).toBe(0);
    const created = await user.run(['access-keys', 'create', '--user', 'ci-bot', '-o', 'json']);
    expect(created.code, created.stderr).toBe(0);
    const pair = JSON.parse(created.stdout);
    expect(pair).toMatchObject({ ak: expect.any(String), sk: expect.any(String), description: '' });
    const bot = createKilnClient({ baseUrl: server.url, credentials: akskCredentials(pair.ak, pair.sk) });
    expect((await bot.showCurrentUser()).result.name).toBe('ci-bot');
    const theirs = JSON.parse(
      (await user.run(['access-keys', 'list', '--user', 'ci-bot', '-o', 'json'])).stdout,
    );
    expect(theirs.map((k: { ak: string }) => k.ak)).toEqual([pair.ak]);
    expect(JSON.parse((await user.run(['access-keys', 'list', '-o', 'json'])).stdout)).toEqual([]);
  });
});
