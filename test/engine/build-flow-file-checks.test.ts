import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * What a BuildFlow file may say (docs/build-yaml.md "The file", "Errors", "BuildFlow").
 * "Any other top-level key ... or an unknown key in an action is an error naming it: CodeArts
 * allows only the keywords it knows, and a typo that silently skipped a step would be worse"; "A
 * file that cannot be run fails its build with one line in the log: the path, line and column,
 * and what was expected". A flow file is held to the same: its env is checked (not applied: each job
 * runs where its own file says), a nested buildflow takes nothing beside it but its condition, and graph errors
 * name their place.
 */

const JOB = 'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo job ran\n';

const FILES = {
  'jobs/ok.yml': JOB,
  // The same env.resource typo in a single-job file and in a flow file.
  'single/env-typo.yml': `version: 2.0
env:
  resource:
    archh: X86
steps:
  BUILD:
    - sh:
        inputs:
          command: echo ran
`,
  'flows/env-typo.yml': `version: 2.0
env:
  resource:
    archh: X86
buildflow:
  jobs:
    - {job: a, build_ref: jobs/ok.yml}
`,
  // An entry of buildflows with both a nested buildflow and a strategy beside it: the strategy
  // beside it (lazy) is silently dropped and the flow runs eager.
  'flows/both-layouts.yml': `version: 2.0
buildflows:
  - condition: "1 == 1"
    strategy: lazy
    buildflow:
      jobs:
        - {job: a, build_ref: jobs/ok.yml}
`,
  // A flow that names a job that does not exist: the message has no line and column.
  'flows/bad-dep.yml': `version: 2.0
buildflow:
  jobs:
    - job: a
      build_ref: jobs/ok.yml
    - job: b
      build_ref: jobs/ok.yml
      depends_on: [nosuch]
`,
};

const [label, mode] = MODES[0]!;

describe(`BuildFlow file checks, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('files', FILES);
  }, 60_000);
  afterAll(() => kiln?.close());

  async function runFile(path: string) {
    const jobId = await newYamlJob(ek, repo.url, path);
    await ek.run(jobId);
    const r = await ek.waitFinished(jobId, 1, 60_000);
    return { state: r.state, log: await ek.log(jobId, 1), jobId };
  }

  it("an unknown key in a flow file's env.resource is refused as in a single-job file (path:line:column)", async () => {
    const single = await runFile('single/env-typo.yml');
    expect(single.state).toBe('FAILURE');
    expect(single.log).toContain('single/env-typo.yml:4:5: unknown key "archh" in env.resource');

    const flow = await runFile('flows/env-typo.yml');
    expect(flow.log).toContain('flows/env-typo.yml:4:5: unknown key "archh" in env.resource');
    expect(flow.state, flow.log).toBe('FAILURE');
    expect(await ek.records(flow.jobId)).toHaveLength(1);
  }, 120_000);

  it('a buildflows entry with both a nested buildflow and a strategy beside it is refused, not run with the strategy dropped', async () => {
    const flow = await runFile('flows/both-layouts.yml');
    expect(flow.log).not.toContain('(eager)');
    expect(flow.state, flow.log).toBe('FAILURE');
    expect(flow.log).toMatch(/flows\/both-layouts\.yml:4:5: .*strategy/);
  }, 120_000);

  it('a flow job depending on a job that does not exist fails naming the file, line and column', async () => {
    const flow = await runFile('flows/bad-dep.yml');
    expect(flow.state).toBe('FAILURE');
    expect(flow.log).toContain('nosuch');
    expect(flow.log).toMatch(/flows\/bad-dep\.yml:\d+:\d+: .*nosuch/);
  }, 120_000);
});
