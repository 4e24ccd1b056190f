import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SAMPLE_NAMES } from '../../src/cli/job-samples.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';

// `kiln jobs init` as a real process: each template is a job a real `kiln serve` accepts as it
// is, and the shell one, pointed at a repository, builds.

describe('kiln jobs init, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
  }, 60_000);
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  it.each(SAMPLE_NAMES)('the %s template is a commented job the server accepts as it is', async (name) => {
    const init = await user.run(['jobs', 'init', '--template', name]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('# Every field is described in docs/jobs.md.');
    const file = join(user.home, `${name}.yaml`);
    writeFileSync(file, init.stdout.replace('job_name: my-job', `job_name: init-${name}`));
    const created = await user.run(['jobs', 'create', '-f', file, '--project', 'default']);
    expect(created.code, created.stderr).toBe(0);
    const shown = YAML.parse((await user.run(['jobs', 'show', created.stdout.trim()])).stdout);
    expect(shown).toMatchObject({ job_name: `init-${name}`, arch: 'x86-64', timeout: { limit: '30' } });
    expect(shown.triggers.map((t: { name: string }) => t.name)).toEqual(['timer', 'code_update']);
  });

  it('the shell template builds, with its parameter, once pointed at a repository', async () => {
    const repo = new TestRepo();
    repo.commit('first');
    const text = (await user.run(['jobs', 'init'])).stdout
      .replace('job_name: my-job', 'job_name: init-runs')
      .replace('https://github.com/you/your-repo.git', repo.url);
    const file = join(user.home, 'runs.yaml');
    writeFileSync(file, text);
    const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
    const run = await user.run(['run', id, '--follow', '--param', 'GREETING=hi'], { env: {} });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/hi from build 1 of main at [0-9a-f]{40}/);
    expect(run.stdout).toContain('tested');
  });

  it('refuses a template neither it nor the server has, naming the samples', async () => {
    const r = await user.run(['jobs', 'init', '--template', 'cobol']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no sample or template named cobol: samples are shell, npm, maven, yaml');
  });

  it("writes a job from the server's templates: an official one, and one saved from a job", async () => {
    const python = await user.run(['jobs', 'init', '--template', 'python']);
    expect(python.code, python.stderr).toBe(0);
    expect(python.stdout).toContain('# A Kiln job made from the official template "python"');
    const file = join(user.home, 'python.yaml');
    writeFileSync(file, python.stdout.replace('job_name: my-job', 'job_name: init-python'));
    const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{32}$/);

    const saved = await user.run(['templates', 'save', id, '--name', 'team-python', '--description', 'ours']);
    expect(saved.code, saved.stderr).toBe(0);
    const listed = JSON.parse((await user.run(['templates', 'list', '-o', 'json'])).stdout) as {
      scope: string;
      name: string;
    }[];
    expect(listed.filter((t) => t.scope === 'custom').map((t) => t.name)).toEqual(['team-python']);
    expect(listed.filter((t) => t.scope === 'official').length).toBeGreaterThanOrEqual(8);
    const ours = await user.run(['jobs', 'init', '--template', 'team-python']);
    expect(ours.stdout).toContain(`# A Kiln job made from the domain's template "team-python": ours`);
    expect(YAML.parse(ours.stdout).steps).toEqual(YAML.parse(python.stdout).steps);
    expect((await user.run(['templates', 'delete', 'team-python'])).code).toBe(0);
  });

  it('refuses to save a code-based job as a template, saying why', async () => {
    const sample = await user.run(['jobs', 'init', '--template', 'yaml']);
    const file = join(user.home, 'code-based.yaml');
    writeFileSync(file, sample.stdout.replace('job_name: my-job', 'job_name: init-code-based'));
    const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
    const saved = await user.run(['templates', 'save', id, '--name', 'from-yaml']);
    expect(saved.code).not.toBe(0);
    expect(saved.stderr).toContain(
      `job ${id} has no steps to save: a code-based job's steps are in its build.yml`,
    );
    // Steps its document still holds (from when it was not code-based) never run: not saved either.
    const kept = join(user.home, 'code-based-steps.yaml');
    writeFileSync(
      kept,
      sample.stdout
        .replace('job_name: my-job', 'job_name: init-code-based-steps')
        .replace(
          'steps: []',
          'steps:\n  - { module_id: kiln.shell, name: old, properties: { command: echo old } }',
        ),
    );
    const withSteps = (await user.run(['jobs', 'create', '-f', kept, '--project', 'default'])).stdout.trim();
    expect(withSteps).toMatch(/^[0-9a-z]{32}$/);
    const refused = await user.run(['templates', 'save', withSteps, '--name', 'from-yaml-steps']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`job ${withSteps} has no steps to save`);
  });

  it("keeps a template's description on its comment line: a line break in it adds no keys", async () => {
    const shell = await user.run(['jobs', 'init']);
    const file = join(user.home, 'base.yaml');
    writeFileSync(file, shell.stdout.replace('job_name: my-job', 'job_name: init-base'));
    const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
    const description =
      'Node build\ntriggers: [{name: timer, parameters: [{name: cron, value: "* * * * *"}]}]\n#';
    const saved = await user.run(['templates', 'save', id, '--name', 'sly', '--description', description]);
    expect(saved.code, saved.stderr).toBe(0);
    const made = await user.run(['jobs', 'init', '--template', 'sly']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('"sly": Node build\\ntriggers: [{name: timer');
    expect(YAML.parse(made.stdout).triggers).toBeUndefined();
    expect((await user.run(['templates', 'delete', 'sly'])).code).toBe(0);
  });
});
