import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, param, startModeKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';

/**
 * BuildFlows under build retention (docs/build-yaml.md "Build retention"): a running flow keeps
 * its jobs' builds, so it still knows what each one did; and under artifact retention: a running
 * flow keeps its jobs' artifacts, so a later job of it can download them. SQLite, the server's
 * own runner.
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

describe(`BuildFlow jobs under artifact retention, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
  }, 60_000);
  afterAll(() => kiln?.close());

  it('artifacts_keep_builds: 1 keeps a running flow’s artifacts for its later jobs, then the flow’s together', async () => {
    // a (#2) and b (#3) each keep a file; c (#4) depends on both and downloads both. Found by
    // experiment: when b ended, retention let a's artifact go (b was then the newest build that
    // kept any), c's download_artifact failed with "no artifact a.txt of build 2", and the flow
    // ended FAILURE.
    const repo = new TestRepo();
    const jobId = await ek.newJob({
      build_config_type: 'YAML',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [],
      parameters: [param('CB_BUILD_YAML_PATH', 'flows/artifacts.yml')],
      kiln: { artifacts_keep_builds: 1 },
    });
    const keep = (name: string, command: string) =>
      `${single(name, command)}    - upload_artifact:\n        inputs:\n          path: ${name}.txt\n`;
    const download = (n: number, name: string) =>
      `    - download_artifact:\n        inputs:\n          url: /v1/kiln/jobs/${jobId}/${n}/artifacts/${name}.txt\n`;
    repo.commit('flow', {
      'jobs/a.yml': keep('a', 'echo a > a.txt'),
      'jobs/b.yml': keep('b', 'sleep 2; echo b > b.txt'),
      'jobs/c.yml': `${single('c', 'true')}${download(2, 'a')}${download(3, 'b')}`,
      'flows/artifacts.yml': `version: 2.0
buildflow:
  jobs:
    - {job: a, build_ref: jobs/a.yml}
    - {job: b, build_ref: jobs/b.yml}
    - {job: c, depends_on: [a, b], build_ref: jobs/c.yml}
`,
      'flows/again.yml': `version: 2.0
buildflow:
  jobs:
    - {job: a, build_ref: jobs/a.yml}
    - {job: b, build_ref: jobs/b.yml}
`,
    });
    const names = async (n: number) =>
      (
        (await ek.get(`/v1/kiln/jobs/${jobId}/${n}/artifacts`)).json().result.artifacts as { name: string }[]
      ).map((a) => a.name);
    await ek.run(jobId);
    await waitUntil(
      'the flow to make its jobs',
      async () => ((await ek.records(jobId)).length >= 4 ? true : undefined),
      60_000,
    );
    const c = await ek.waitFinished(jobId, 4, 90_000);
    expect(c.state, await ek.log(jobId, 4)).toBe('SUCCESS');
    expect((await ek.waitFinished(jobId, 1, 30_000)).state).toBe('SUCCESS');
    expect([await names(2), await names(3)]).toEqual([['a.txt'], ['b.txt']]);

    // Another flow (#5: a #6, b #7) is now the one build kept, whole; the first one's go together.
    await ek.run(jobId, { parameter: [{ name: 'CB_BUILD_YAML_PATH', value: 'flows/again.yml' }] });
    expect((await ek.waitFinished(jobId, 5, 90_000)).state, await ek.log(jobId, 5)).toBe('SUCCESS');
    await ek.kiln.engine.artifacts.retain(jobId);
    expect([await names(2), await names(3), await names(6), await names(7)]).toEqual([
      [],
      [],
      ['a.txt'],
      ['b.txt'],
    ]);
  }, 180_000);
});
