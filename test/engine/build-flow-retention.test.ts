import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, param, startModeKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';

/**
 * BuildFlows under build retention (docs/build-yaml.md "Build retention"): a running flow keeps
 * its jobs' builds, so it still knows what each one did. SQLite, the server's own runner.
 */

const single = (name: string, command: string) =>
  `version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        name: ${name}\n        inputs:\n          command: '${command.replaceAll("'", "''")}'\n`;

const FILES = {
  'jobs/fast.yml': single('fast', 'echo fast ran'),
  'jobs/two.yml': single('two', 'sleep 2; echo two ran'),
  'jobs/five.yml': single('five', 'sleep 5; echo five ran'),
  'flows/retention.yml': `version: 2.0
buildflow:
  jobs:
    - {job: a, build_ref: jobs/fast.yml}
    - {job: b, build_ref: jobs/two.yml}
    - {job: x, build_ref: jobs/five.yml}
    - {job: c, depends_on: [a, x], build_ref: jobs/fast.yml}
`,
  'jobs/fail.yml': single('fail', 'echo failing; exit 4'),
  'jobs/three.yml': single('three', 'sleep 3; echo three ran'),
  'flows/retention-fail.yml': `version: 2.0
buildflow:
  jobs:
    - {job: broken, build_ref: jobs/fail.yml}
    - {job: after, depends_on: [broken], build_ref: jobs/fast.yml}
    - {job: p, build_ref: jobs/three.yml}
    - {job: q, build_ref: jobs/three.yml}
`,
};

const [label, mode] = MODES[0]!;

describe(`BuildFlow jobs under build retention, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('flows', FILES);
  }, 60_000);
  afterAll(() => kiln?.close());

  it('build retention (builds_keep_last) does not break a running flow: a job whose dependency already succeeded still runs', async () => {
    // builds_keep_last: 2 keeps "at least the newest N"; "always kept: ... every build not
    // finished yet". A flow job that already SUCCEEDED may go, but the flow must still know it
    // succeeded: c depends on a and x, all of which succeed.
    const jobId = await ek.newJob({
      build_config_type: 'YAML',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [],
      parameters: [param('CB_BUILD_YAML_PATH', 'flows/retention.yml')],
      kiln: { builds_keep_last: 2 },
    });
    await ek.run(jobId);
    // c is build #5 (the flow #1, then a #2, b #3, x #4, c #5): the newest, always kept.
    await waitUntil(
      'the flow to make its jobs',
      async () => ((await ek.records(jobId)).length >= 5 ? true : undefined),
      60_000,
    );
    const c = await ek.waitFinished(jobId, 5, 90_000);
    const cLog = await ek.log(jobId, 5);
    expect(cLog).not.toContain('which ended undefined');
    expect(c.state, cLog).toBe('SUCCESS');
  }, 120_000);

  it('build retention (builds_keep_last) does not turn a flow whose job FAILED into a SUCCESS', async () => {
    // broken (#2) fails, after (#3) does not run; p (#4) and q (#5) succeed. With builds_keep_last 2,
    // #2 and #3 may go once finished: the flow must still end FAILURE.
    const jobId = await ek.newJob({
      build_config_type: 'YAML',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [],
      parameters: [param('CB_BUILD_YAML_PATH', 'flows/retention-fail.yml')],
      kiln: { builds_keep_last: 2 },
    });
    const outcomes = new Map<string, string>();
    ek.kiln.engine.events.onFinish((state, recordId) => outcomes.set(recordId, state));
    await ek.run(jobId);
    const flowId = (await ek.recordInfo(jobId, 1)).id;
    const outcome = await waitUntil('the flow to end', () => outcomes.get(flowId), 90_000);
    expect(outcome).toBe('FAILURE');
  }, 120_000);
});
