import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, param, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * docs/jobs.md lists what a step's environment has ("BUILD_NUMBER, ..., HOME, PATH,
 * LANG=C.UTF-8, CI=true and KILN=true") and says "Names Kiln sets itself (the variables above,
 * PATH, HOME, KILN_*) are refused": LANG, CI and KILN too, at save and at run time, so no
 * parameter replaces what Kiln sets.
 */

const [label, mode] = MODES[0]!;

describe(`parameter names Kiln sets, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('files', {
      '.cloudbuild/build.yml':
        'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo "KILN=[$KILN] CI=[$CI]"\n',
    });
  }, 60_000);
  afterAll(() => kiln?.close());

  it.each(['KILN', 'CI', 'LANG'])(
    'a job parameter named %s is refused (400) when the job is saved',
    async (name) => {
      const res = await ek.kiln.call(ek.token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: {
          project_id: ek.projectId,
          job_name: `p-${name.toLowerCase()}`,
          arch: 'x86-64',
          scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
          steps: [{ module_id: 'kiln.shell', name: 'b', properties: { command: 'echo "$KILN $CI"' } }],
          parameters: [param(name, 'false')],
        },
      });
      expect(res.statusCode, res.body).toBe(400);
    },
  );

  it('a run-time value for KILN is refused (400), not given to the build over KILN=true', async () => {
    const jobId = await newYamlJob(ek, repo.url);
    const res = await ek.post('/v3/jobs/build', {
      job_id: jobId,
      parameter: [{ name: 'KILN', value: 'false' }],
    });
    if (res.statusCode === 200) {
      const r = await ek.waitFinished(jobId, 1, 60_000);
      const log = await ek.log(jobId, 1);
      expect(log, `build ended ${r.state}`).toContain('KILN=[true]');
    }
    expect(res.statusCode, res.body).toBe(400);
  }, 60_000);
});
