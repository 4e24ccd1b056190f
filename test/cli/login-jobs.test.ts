import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

const JOB_YAML = `# a job as a person writes it
job_name: hello-cli
arch: x86-64
scms:
  - url: https://example.com/repo.git
    scm_type: git
    branch: main
steps:
  - module_id: kiln.shell
    name: say hello
    properties:
      command: echo hello
`;

describe('kiln login and kiln jobs, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;
  const file = (name: string, text: string) => {
    const path = join(user.home, name);
    writeFileSync(path, text);
    return path;
  };
  /** A job made from JOB_YAML under another name, in the default project, by `kiln jobs create`; its id. */
  const createNamed = async (name: string) => {
    const created = await user.run([
      'jobs',
      'create',
      '-f',
      file(`${name}.yaml`, JOB_YAML.replace('hello-cli', name)),
      '--project',
      'default',
    ]);
    expect(created.code, created.stderr).toBe(0);
    return created.stdout.trim();
  };

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
  });
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  it('refuses to work before login, and says how to log in', async () => {
    const r = await user.run(['jobs', 'list', 'default']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not logged in: run `kiln login`');
  });

  it('rejects a wrong password without saving anything', async () => {
    const r = await user.run(['login'], { stdin: 'wrong-password\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiln: /);
    expect(() => statSync(join(user.home, '.config/kiln/credentials.json'))).toThrow();
  });

  it('logs in with the password on stdin, keeps the token in a 0600 file, and knows who you are', async () => {
    const r = await user.login();
    expect(r.stdout).toContain(`Logged in to ${server.url} as admin`);
    const creds = statSync(join(user.home, '.config/kiln/credentials.json'));
    expect(creds.mode & 0o777).toBe(0o600);
    const me = await user.run(['whoami']);
    expect(me).toMatchObject({ code: 0 });
    expect(me.stdout).toContain('admin (admin), domain administrator');
  });

  it('saves the token in a new 0600 file: not through a link planted at its name, nor into an old 0644 file', async () => {
    const dir = join(user.home, '.config/kiln');
    const file = join(dir, 'credentials.json');
    const elsewhere = join(user.home, 'elsewhere.txt');
    writeFileSync(elsewhere, 'untouched\n', { mode: 0o644 });
    mkdirSync(dir, { recursive: true });
    rmIfThere(file);
    symlinkSync(elsewhere, file);
    await user.login();
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    rmIfThere(file);
    writeFileSync(file, '{}\n', { mode: 0o644 });
    await user.login();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await user.run(['whoami'])).code).toBe(0);
  });

  it('refuses a malformed commit id before any request (usage: exit 2)', async () => {
    const r = await user.run(['run', '0123456789abcdefghijklmnopqrstuv', '--commit', 'zz'], {
      env: { KILN_URL: 'http://127.0.0.1:1' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"zz" is not a commit id');
  });

  it('refuses a server URL holding a password, without showing it', async () => {
    const r = await user.run(['whoami'], { env: { KILN_URL: 'http://alice:s3cret-pw@127.0.0.1:1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must not hold a user name or password');
    expect(r.stderr).not.toContain('s3cret-pw');
  });

  it('creates a job from YAML, lists, shows, updates, disables, enables and deletes it', async () => {
    const created = await user.run([
      'jobs',
      'create',
      '-f',
      file('job.yaml', JOB_YAML),
      '--project',
      'default',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{32}$/);

    const table = await user.run(['jobs', 'list', 'default']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('hello-cli');
    expect(table.stdout).toContain(id);
    // Without a project: every project's jobs (ListJob), each with its project.
    const everywhere = JSON.parse((await user.run(['jobs', 'list', '-o', 'json'])).stdout);
    expect(everywhere.find((j: { id: string }) => j.id === id)).toMatchObject({
      job_name: 'hello-cli',
      project_name: 'default',
    });

    const shown = await user.run(['jobs', 'show', id]);
    expect(shown.code).toBe(0);
    const config = YAML.parse(shown.stdout);
    expect(config).toMatchObject({ job_name: 'hello-cli', arch: 'x86-64', project_id: expect.any(String) });
    const asJson = JSON.parse((await user.run(['jobs', 'show', id, '-o', 'json'])).stdout);
    expect(asJson).toEqual(config);

    // The edit loop the help suggests: show > file, change, update (project_id comes along).
    const edited = file('edited.yaml', YAML.stringify({ ...config, job_name: 'hello-renamed' }));
    const updated = await user.run(['jobs', 'update', id, '-f', edited]);
    expect(updated).toMatchObject({ code: 0, stdout: `Job ${id} updated.\n` });
    // A file without project_id keeps the job in its project.
    const { project_id: _dropped, ...noProject } = config;
    const noProjectFile = file('no-project.json', JSON.stringify({ ...noProject, job_name: 'hello-again' }));
    expect((await user.run(['jobs', 'update', id, '-f', noProjectFile])).code).toBe(0);
    const after = YAML.parse((await user.run(['jobs', 'show', id])).stdout);
    expect(after).toMatchObject({ job_name: 'hello-again', project_id: config.project_id });

    // The file replaces the whole job: a schedule, a timeout and Kiln's options that the file
    // leaves out are gone after the update (the API alone would keep them).
    const withExtras = file(
      'extras.yaml',
      YAML.stringify({
        ...after,
        timeout: { limit: '5', unit: 'MINUTES' },
        build_if_code_updated: true,
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }],
        kiln: { keep_workspace: true },
      }),
    );
    expect((await user.run(['jobs', 'update', id, '-f', withExtras])).code).toBe(0);
    const extras = YAML.parse((await user.run(['jobs', 'show', id])).stdout);
    expect(extras).toMatchObject({ timeout: { limit: '5' }, triggers: [{ name: 'timer' }] });
    expect((await user.run(['jobs', 'update', id, '-f', noProjectFile])).code).toBe(0);
    const replaced = YAML.parse((await user.run(['jobs', 'show', id])).stdout);
    expect(replaced.triggers ?? []).toEqual([]);
    expect(replaced.timeout?.limit).toBeUndefined();
    expect(replaced.build_if_code_updated ?? false).toBe(false);
    expect(replaced.kiln?.keep_workspace).toBeUndefined();
    expect((await user.run(['jobs', 'update', '--help'])).stdout).toContain('what it leaves out is cleared');

    expect(await user.run(['jobs', 'disable', id])).toMatchObject({
      code: 0,
      stdout: `Job ${id} disabled.\n`,
    });
    const disabled = JSON.parse((await user.run(['jobs', 'list', 'default', '-o', 'json'])).stdout);
    expect(disabled.find((j: { id: string }) => j.id === id)).toMatchObject({ disabled: true });
    expect(await user.run(['jobs', 'enable', id])).toMatchObject({ code: 0, stdout: `Job ${id} enabled.\n` });
    const enabled = JSON.parse((await user.run(['jobs', 'list', config.project_id, '-o', 'json'])).stdout);
    expect(enabled.find((j: { id: string }) => j.id === id)).toMatchObject({ disabled: false });

    expect(await user.run(['jobs', 'delete', id])).toMatchObject({
      code: 0,
      stdout: `Job ${id} moved to the recycle bin.\n`,
    });
    // Its deleter may view it in the bin: show and run say where it is and how to bring it back.
    for (const args of [
      ['jobs', 'show', id],
      ['run', id],
    ]) {
      const gone = await user.run(args);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain(
        `kiln: job not found: ${id} is in the recycle bin; restore it first (\`kiln bin restore ${id}\``,
      );
    }
  });

  it(
    'lists the recycle bin, restores from it and deletes for good; history, diff, favourites',
    { timeout: 120_000 },
    async () => {
      const id = await createNamed('binned-cli');
      expect((await user.run(['jobs', 'delete', id])).code).toBe(0);
      const binned = JSON.parse((await user.run(['bin', 'list', '--search', 'binned', '-o', 'json'])).stdout);
      expect(binned).toEqual([expect.objectContaining({ job_id: id, job_name: 'binned-cli' })]);
      const binTable = await user.run(['bin', 'list']);
      expect(binTable.stdout).toContain('binned-cli');
      // Times in tables are UTC (docs/cli.md), not delete_time, the server's wall clock.
      const deleted = new Date(Number(binned[0].delete_time_stamp) * 1000).toISOString();
      expect(binTable.stdout).toContain('deleted (UTC)');
      expect(binTable.stdout).toContain(deleted);
      expect(binTable.stdout).toContain('Deleted jobs are kept 30 days.');
      expect(await user.run(['bin', 'restore', id])).toMatchObject({ code: 0, stdout: `Restored ${id}.\n` });
      expect((await user.run(['jobs', 'show', id])).code).toBe(0);

      // Its history says what happened, and favourites filter the list.
      const history = JSON.parse((await user.run(['jobs', 'history', id, '-o', 'json'])).stdout);
      expect(history.map((r: { update_type: string }) => r.update_type)).toEqual([
        'RESTORE',
        'DELETE',
        'CREATE',
      ]);
      const diff = await user.run(['jobs', 'diff', id, '1', '3']);
      expect(diff).toMatchObject({ code: 0 });
      expect(diff.stdout).toContain('--- version 1');
      expect((await user.run(['jobs', 'diff', id, '1', 'x'])).stderr).toContain('must be a whole number');
      expect(await user.run(['jobs', 'favourite', id])).toMatchObject({
        code: 0,
        stdout: `Job ${id} is one of your favourites.\n`,
      });
      const favourites = JSON.parse(
        (await user.run(['jobs', 'list', 'default', '--favourites', '-o', 'json'])).stdout,
      );
      expect(favourites.map((j: { id: string }) => j.id)).toEqual([id]);
      expect((await user.run(['jobs', 'unfavourite', id])).code).toBe(0);
      const copied = await user.run(['jobs', 'copy', id]);
      expect(copied.code, copied.stderr).toBe(0);
      const copy = YAML.parse((await user.run(['jobs', 'show', copied.stdout.trim()])).stdout);
      expect(copy.job_name).toBe('binned-cli-copy-1');
      expect((await user.run(['jobs', 'delete', id])).code).toBe(0);
      const bad = await user.run(['bin', 'restore', 'not-an-id']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('"not-an-id" is not a job id');
      const refused = await user.run(['bin', 'empty']);
      expect(refused).toMatchObject({ code: 1 });
      expect(refused.stderr).toContain('run it again with --yes');
      expect(await user.run(['bin', 'delete', id])).toMatchObject({
        code: 0,
        stdout: `Deleted ${id} for good.\n`,
      });
      expect(
        JSON.parse((await user.run(['bin', 'list', '--search', 'binned', '-o', 'json'])).stdout),
      ).toEqual([]);
      expect((await user.run(['bin', 'restore', id])).stderr).toContain(
        `job ${id} not found in the recycle bin`,
      );
      // The keep time: shown to anyone, set by an administrator (the user here is one).
      expect(await user.run(['bin', 'keep-time'])).toMatchObject({
        code: 0,
        stdout: 'Deleted jobs are kept 30 days.\n',
      });
      expect(await user.run(['bin', 'keep-time', '14'])).toMatchObject({
        code: 0,
        stdout: 'Deleted jobs are now kept 14 days.\n',
      });
      expect((await user.run(['bin', 'keep-time'])).stdout).toBe('Deleted jobs are kept 14 days.\n');
      const tooLong = await user.run(['bin', 'keep-time', '4000']);
      expect(tooLong.code).not.toBe(0);
      expect(tooLong.stderr).toContain('must be a whole number from 1 to 3650');
    },
  );

  it('arranges jobs in groups, named by path, and lists a group’s jobs', async () => {
    const ok = async (args: string[]) => {
      const r = await user.run(args);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(await ok(['groups', 'create', 'default', 'apps'])).toMatch(
      /^Created group apps \([0-9a-z]{32}\)\.\n$/,
    );
    await ok(['groups', 'create', 'default', 'web', '--in', 'apps']);
    await ok(['groups', 'create', 'default', 'tools']);
    const id = await createNamed('grouped-cli');
    expect(await ok(['groups', 'put', 'default', 'apps/web', id])).toBe(`Put ${id} into web.\n`);
    const names = async (args: string[]) =>
      (JSON.parse(await ok([...args, '-o', 'json'])) as { job_name: string }[]).map((j) => j.job_name);
    expect(await names(['jobs', 'list', 'default', '--group', 'apps'])).toEqual(['grouped-cli']);
    expect(await names(['jobs', 'list', 'default', '--group', 'tools'])).toEqual([]);
    expect(await names(['jobs', 'list', 'default', '--ungrouped'])).not.toContain('grouped-cli');

    await ok(['groups', 'swap', 'default', 'apps', 'tools']);
    await ok(['groups', 'rename', 'default', 'apps/web', 'site']);
    await ok(['groups', 'move', 'default', 'apps/site', 'tools']);
    const listed = JSON.parse(await ok(['groups', 'list', 'default', '-o', 'json'])) as { path: string }[];
    expect(listed.map((g) => g.path)).toEqual(['tools', 'tools/site', 'apps']);
    const table = await ok(['groups', 'list', 'default']);
    expect(table).toContain('tools/site');

    const refused = await user.run(['groups', 'delete', 'default', 'tools/site']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has jobs: move them to another group first');
    expect(await ok(['groups', 'put', 'default', '-', id])).toBe(`Put ${id} in no group.\n`);
    expect(await ok(['groups', 'delete', 'default', 'tools/site'])).toBe('Deleted group site.\n');
    const missing = await user.run(['groups', 'delete', 'default', 'tools/site']);
    expect(missing.stderr).toContain('no group tools/site in this project');
  });

  it("shows and changes a job's permissions", async () => {
    const id = await createNamed('guarded-cli');
    const rows = async (args: string[]) => {
      const r = await user.run(['jobs', 'permissions', id, ...args, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return Object.fromEntries(
        (JSON.parse(r.stdout) as { role_name: string; is_execute: boolean; is_view: boolean }[]).map(
          (row) => [row.role_name, row],
        ),
      );
    };
    expect((await rows([])).viewer).toMatchObject({ is_view: true, is_execute: false });
    expect((await rows(['--set', 'viewer=view,execute'])).viewer).toMatchObject({ is_execute: true });
    const table = await user.run(['jobs', 'permissions', id]);
    expect(table.stderr).toBe('The job follows its own permissions.\n');
    expect(table.stdout).toMatch(/viewer.*yes.*yes/);
    // The table names the roles as --set takes them.
    expect(table.stdout).toMatch(/│ owner /);
    expect(table.stdout).not.toContain('project_admin');
    expect((await rows(['--follow-project'])).viewer).toMatchObject({ is_execute: false });
    expect((await rows(['--own'])).viewer).toMatchObject({ is_execute: true });
    // `none` and nothing after `=` both take every permission away.
    expect((await rows(['--set', 'viewer=none'])).viewer).toMatchObject({
      is_view: false,
      is_execute: false,
    });
    expect((await rows(['--set', 'viewer=view'])).viewer).toMatchObject({ is_view: true });
    expect((await rows(['--set', 'viewer='])).viewer).toMatchObject({ is_view: false });
    // A malformed --set is one line that says what to write, not the command's help, and changes nothing.
    const forms =
      '(write ROLE=PERMISSIONS: ROLE one of owner, developer, viewer, creator; PERMISSIONS comma-separated, of view, execute, modify, delete, copy, forbidden, manager; viewer= or viewer=none for no permissions)';
    for (const [set, why] of [
      ['viewer=fly', '"fly" is not a permission'],
      ['viewer', 'no "=" after the role'],
      ['everyone=view', '"everyone" is not a role'],
      ['viewer=none,view', 'none stands alone'],
    ]) {
      const bad = await user.run(['jobs', 'permissions', id, '--set', 'developer=view', '--set', set!]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toBe(`kiln: --set ${set}: ${why} ${forms}\n`);
      expect(bad.stdout).toBe('');
    }
    expect((await rows([])).developer).toMatchObject({ is_execute: true });
  });

  it("shows a job's insights by week and its flaky commits", async () => {
    const id = await createNamed('insight-cli');
    const now = Date.now();
    const line = (n: number, state: string, commit: string) =>
      JSON.stringify({
        number: n,
        build_time: 60_000,
        start_time: now - (4 - n) * 3_600_000,
        job_running_status: 'Finished',
        state,
        user_id: 'u',
        executor: 'admin',
        nickname: 'Admin',
        daily_build_number: `20240101.${n}`,
        trigger_type: 'Manual',
        cost_time: 61_000,
        commit_id: commit,
        build_type: 'branch',
        code_branch: 'main',
        scm_type: 'git',
        scm_web_url: '',
        commit_detail_url: '',
      });
    const history = file(
      'insight.jsonl',
      [line(1, 'FAILURE', 'c0ffee01'), line(2, 'SUCCESS', 'c0ffee01')].join('\n'),
    );
    const imported = await user.run(['import-records', '--job', id, history]);
    expect(imported.code, imported.stderr).toBe(0);
    const table = await user.run(['jobs', 'insights', id, '--days', '7']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('failure rate (main)');
    // The two builds are an hour apart: one week, or two when a Monday began between them.
    expect(table.stdout).toMatch(/\b(50|0|100) %/);
    expect(table.stdout).toContain('Flaky c0ffee01: #1 FAILURE, #2 SUCCESS');
    // A week without builds of the branch has no failure rate (it was "0 %").
    const csv = await user.run(['jobs', 'insights', id, '--days', '30', '-o', 'csv']);
    const empty = csv.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d,0,/.test(l));
    expect(empty.length).toBeGreaterThan(0);
    for (const l of empty) expect(l.split(',')[2]).toBe('');
    const json = JSON.parse((await user.run(['jobs', 'insights', id, '-o', 'json'])).stdout) as {
      builds: number;
      default_branch_builds: number;
      default_branch_failures: number;
    }[];
    const sum = (k: 'builds' | 'default_branch_builds' | 'default_branch_failures') =>
      json.reduce((n, w) => n + w[k], 0);
    expect([sum('builds'), sum('default_branch_builds'), sum('default_branch_failures')]).toEqual([2, 2, 1]);
    // The project's insights take its jobs together, and name each flaky commit's job.
    const project = await user.run(['projects', 'insights', 'default', '--days', '7']);
    expect(project.code, project.stderr).toBe(0);
    expect(project.stdout).toContain("failure rate (each job's branch)");
    expect(project.stdout).toContain('Flaky insight-cli c0ffee01: #1 FAILURE, #2 SUCCESS');
    expect(project.stderr).toMatch(/^\d+ jobs counted\.\n$/);
  });

  it("shows a job's status badge and turns it on and off", async () => {
    const id = await createNamed('badge-cli');
    const read = (text: string) => YAML.parse(text) as { enabled: string; image: string; markdown: string };
    const off = await user.run(['jobs', 'badge', id]);
    expect(off.code, off.stderr).toBe(0);
    expect(read(off.stdout)).toEqual({
      enabled: 'no',
      image: `${server.url}/v1/kiln/jobs/${id}/badge.svg`,
      markdown: `[![build status](${server.url}/v1/kiln/jobs/${id}/badge.svg)](${server.url}/jobs/${id})`,
    });
    expect(off.stderr).toContain('kiln jobs badge JOB --on');
    expect((await fetch(`${server.url}/v1/kiln/jobs/${id}/badge.svg`)).status).toBe(404);
    const on = await user.run(['jobs', 'badge', id, '--on']);
    expect(on).toMatchObject({ code: 0, stderr: '' });
    expect(read(on.stdout).enabled).toBe('yes');
    const svg = await fetch(`${server.url}/v1/kiln/jobs/${id}/badge.svg`);
    expect(svg.status).toBe(200);
    expect(await svg.text()).toContain('aria-label="build: no builds"');
    expect(read((await user.run(['jobs', 'badge', id, '--off'])).stdout).enabled).toBe('no');
    const both = await user.run(['jobs', 'badge', id, '--on', '--off']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--on.*cannot be used with.*--off/);
  });

  it("shows a job's webhook and rotates its secret", async () => {
    const id = await createNamed('hook-cli');
    const read = (text: string) => YAML.parse(text) as { url: string; secret: string };
    const shown = await user.run(['jobs', 'webhook', id]);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    const before = read(shown.stdout);
    expect(before.url).toBe(`${server.url}/v1/kiln/webhooks/${id}`);
    const rotated = await user.run(['jobs', 'webhook', id, '--rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain('The old secret no longer works');
    const after = read(rotated.stdout);
    expect(after.url).toBe(before.url);
    expect(after.secret).not.toBe(before.secret);
    expect(read((await user.run(['jobs', 'webhook', id])).stdout).secret).toBe(after.secret);

    // A delivery signed with the old secret is refused, and `jobs deliveries` says so.
    const old = await fetch(before.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': before.secret,
      },
      body: '{}',
    });
    expect(old.status).toBe(401);
    const listed = await user.run(['jobs', 'deliveries', id, '-o', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ sender: 'gitlab', event: 'Push Hook', outcome: 'refused', status: 401 }),
    ]);
    expect((await user.run(['jobs', 'deliveries', id])).stdout).toMatch(
      /gitlab Push Hook .*refused \(401 APIGW\.0301\)/,
    );
  });

  it('lists with --search and as csv', async () => {
    for (const name of ['alpha-api', 'alpha-web', 'beta'])
      expect(
        (
          await user.run([
            'jobs',
            'create',
            '-f',
            file(`${name}.yaml`, JOB_YAML.replace('hello-cli', name)),
            '-p',
            'default',
          ])
        ).code,
      ).toBe(0);
    const found = await user.run(['jobs', 'list', 'default', '--search', 'alpha', '-o', 'csv']);
    expect(found.code).toBe(0);
    const lines = found.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('name,id,last build,last triggered (UTC),health,disabled,favourite');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(['alpha-api', 'alpha-web']);

    // --status filters on the last build; neither has run.
    const names = async (status: string) => {
      const listed = await user.run([
        'jobs',
        'list',
        'default',
        '-s',
        'alpha',
        '--status',
        status,
        '-o',
        'json',
      ]);
      return (JSON.parse(listed.stdout) as { job_name: string }[]).map((j) => j.job_name).sort();
    };
    expect(await names('none')).toEqual(['alpha-api', 'alpha-web']);
    expect(await names('blue')).toEqual([]);
    // The words the table's "last build" column shows are taken too.
    expect(await names('success')).toEqual([]);
    expect(await names('Failure')).toEqual([]);
    // A word neither takes is a usage error naming the option, before any request.
    const wrong = await user.run(['jobs', 'list', 'default', '--status', 'green']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      "option '--status <status>' argument 'green' is invalid. must be red (or failure), blue (or success), timeout, aborted, building or none (never built)",
    );
  });

  it('surfaces the server validation error with a non-zero exit', async () => {
    const bad = file(
      'bad.yaml',
      JOB_YAML.replace('job_name: hello-cli', 'job_name: bad').replace(/steps:[\s\S]*$/, ''),
    );
    const r = await user.run(['jobs', 'create', '-f', bad, '--project', 'default']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiln: .*steps/);
    expect(r.stdout).toBe('');
  });

  it('says what to do with a bad file, a missing project, a bad job id or an unknown project', async () => {
    const noProject = await user.run(['jobs', 'create', '-f', file('np.yaml', JOB_YAML)]);
    expect(noProject).toMatchObject({ code: 1 });
    expect(noProject.stderr).toContain('has no project_id: add one or pass --project');

    const notYaml = await user.run([
      'jobs',
      'create',
      '-f',
      file('broken.yaml', 'job_name: [unclosed\n'),
      '-p',
      'default',
    ]);
    expect(notYaml.code).toBe(1);
    expect(notYaml.stderr).toContain('is not valid YAML');

    const missing = await user.run(['jobs', 'create', '-f', join(user.home, 'nope.yaml'), '-p', 'default']);
    expect(missing.stderr).toContain('no such file');

    const badId = await user.run(['jobs', 'show', 'not-a-job']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('is not a job id (32 characters of 0-9 and a-z)');

    const unknown = await user.run(['jobs', 'list', 'no-such-project']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no project named no-such-project (see `kiln projects`)');
  });

  it('takes the job document on stdin with -f -', async () => {
    const r = await user.run(['jobs', 'create', '-f', '-', '-p', 'default'], {
      stdin: JOB_YAML.replace('hello-cli', 'from-stdin'),
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-z]{32}$/);
  });
});

function rmIfThere(path: string): void {
  try {
    rmSync(path);
  } catch {
    // not there
  }
}
