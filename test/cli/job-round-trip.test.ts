import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

/** A job with most of the document's fields, but none of build_if_code_updated. */
const FULL_JOB = {
  job_name: 'round-trip-full',
  arch: 'x86-64',
  auto_update_sub_module: 'true',
  parameters: [
    {
      name: 'hudson.model.StringParameterDefinition',
      params: [
        { name: 'name', value: 'TARGET' },
        { name: 'defaultValue', value: 'staging' },
        { name: 'description', value: 'where to deploy' },
      ],
    },
    {
      name: 'hudson.model.StringParameterDefinition',
      params: [
        { name: 'name', value: 'TOKEN' },
        { name: 'defaultValue', value: 'not-for-your-eyes' },
        { name: 'sensitiveVar', value: 'true' },
      ],
    },
  ],
  timeout: { limit: 30, unit: 'MINUTES' },
  scms: [
    {
      url: 'https://example.com/repo.git',
      scm_type: 'git',
      branch: 'main',
      is_auto_build: false,
      enable_git_lfs: true,
      depth: '1',
      end_point_id: null,
      repo_name: 'repo',
    },
  ],
  steps: [{ module_id: 'kiln.shell', name: 'say hello', properties: { command: 'echo hello' } }],
  build_config_type: 'ACTION',
  triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }],
  kiln: { keep_workspace: true, builds_keep_last: 10 },
};

/** A job with none of the fields an update body cannot carry (timeout, triggers, kiln, build_if_code_updated). */
const BARE_JOB = {
  job_name: 'round-trip-bare',
  steps: [{ module_id: 'kiln.shell', name: 'say hello', properties: { command: 'echo hello' } }],
};

describe('kiln jobs show, then update: the same job, and no change recorded', () => {
  let server: ServerProcess;
  let user: CliUser;
  const ok = async (args: string[]) => {
    const r = await user.run(args);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  let made = 0;
  /** A job of `doc` (named apart from the others made of it); its id. */
  const create = async (doc: { job_name: string }) => {
    const path = join(user.home, 'new.json');
    writeFileSync(path, JSON.stringify({ ...doc, job_name: `${doc.job_name}-${++made}` }));
    return (await ok(['jobs', 'create', '-f', path, '--project', 'default'])).trim();
  };
  /** `kiln jobs show JOB > FILE`, the text edited by `edit`, then `kiln jobs update JOB -f FILE`. */
  const showEditUpdate = async (id: string, edit: (yaml: string) => string = (y) => y) => {
    const path = join(user.home, `${id}.yaml`);
    writeFileSync(path, edit(await ok(['jobs', 'show', id])));
    await ok(['jobs', 'update', id, '-f', path]);
  };
  /** The lines a unified diff adds or removes (not its `---`/`+++` header). */
  const changedLines = (diff: string) =>
    diff.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
  });
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  for (const doc of [FULL_JOB, BARE_JOB])
    it(`an unedited round trip of ${doc.job_name} changes nothing`, async () => {
      const id = await create(doc);
      const before = await ok(['jobs', 'show', id, '-o', 'json']);
      await showEditUpdate(id);
      expect(await ok(['jobs', 'show', id, '-o', 'json'])).toBe(before);
      const history = JSON.parse(await ok(['jobs', 'history', id, '-o', 'json'])) as {
        update_type: string;
      }[];
      expect(history.map((h) => h.update_type)).toEqual(['UPDATE', 'CREATE']);
      const diff = await ok(['jobs', 'diff', id, '1', '2']);
      expect(diff).toContain('--- version 1');
      expect(changedLines(diff)).toEqual([]);
    });

  it('an edited cron is the one change the diff shows', async () => {
    const id = await create(FULL_JOB);
    await showEditUpdate(id, (yaml) => yaml.replace('0 3 * * *', '0 4 * * *'));
    const diff = await ok(['jobs', 'diff', id, '1', '2']);
    expect(changedLines(diff)).toEqual([
      '-          "value": "0 3 * * *"',
      '+          "value": "0 4 * * *"',
    ]);
    // The sensitive default, shown masked, is still the stored one (it is never shown again).
    const shown = YAML.parse(await ok(['jobs', 'show', id])) as typeof FULL_JOB;
    expect(JSON.stringify(shown.parameters)).not.toContain('not-for-your-eyes');
  });

  it('a field taken out of the file is still cleared', async () => {
    const id = await create(FULL_JOB);
    await showEditUpdate(id, (yaml) => {
      const { triggers: _t, timeout: _o, kiln: _k, ...rest } = YAML.parse(yaml) as typeof FULL_JOB;
      return YAML.stringify({ ...rest, build_if_code_updated: true });
    });
    await showEditUpdate(id, (yaml) => {
      const { build_if_code_updated: _b, ...rest } = YAML.parse(yaml) as Record<string, unknown>;
      return YAML.stringify(rest);
    });
    const shown = YAML.parse(await ok(['jobs', 'show', id])) as Record<string, unknown>;
    expect(shown).toMatchObject({ triggers: [], timeout: {}, kiln: {}, build_if_code_updated: false });
  });
});
