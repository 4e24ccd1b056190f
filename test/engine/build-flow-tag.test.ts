import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A BuildFlow's jobs are builds of the flow's kind (docs/build-yaml.md "BuildFlow"): a tag-built
 * flow's jobs are tag builds, at the commit the flow checked out. SQLite, the server's own runner.
 */

const single = (name: string, command: string) =>
  `version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        name: ${name}\n        inputs:\n          command: '${command.replaceAll("'", "''")}'\n`;

const FILES = {
  'jobs/tag.yml': single('tag', 'echo "GIT_TAG=[$GIT_TAG] codeBranch=[$codeBranch]"'),
  'flows/tag.yml': `version: 2.0
buildflow:
  jobs:
    - {job: t, build_ref: jobs/tag.yml}
`,
};

const [label, mode] = MODES[0]!;

describe(`BuildFlow jobs of a tag build, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('flows', FILES);
    repo.tag('v1');
  }, 60_000);
  afterAll(() => kiln?.close());

  const graph = async (recordId: string) =>
    (await ek.get(`/v1/record/${recordId}/flow-graph`)).json().result as {
      vertices: { display_name: string; status: string; build_no: string }[];
    };

  it('the jobs of a flow built from a tag see the tag (GIT_TAG), as the flow build itself is a tag build', async () => {
    // Control: a single-job build of the tag sees GIT_TAG=v1.
    const plain = await newYamlJob(ek, repo.url, 'jobs/tag.yml');
    await ek.run(plain, { scm: { build_tag: 'v1' } });
    expect((await ek.waitFinished(plain, 1, 60_000)).state).toBe('SUCCESS');
    expect(await ek.log(plain, 1)).toContain('GIT_TAG=[v1] codeBranch=[v1]');
    expect(await ek.recordInfo(plain, 1)).toMatchObject({ build_type: 'tag', tag: 'v1' });

    const jobId = await newYamlJob(ek, repo.url, 'flows/tag.yml');
    await ek.run(jobId, { scm: { build_tag: 'v1' } });
    expect((await ek.waitFinished(jobId, 1, 60_000)).state, await ek.log(jobId, 1)).toBe('SUCCESS');
    const recordId = (await ek.recordInfo(jobId, 1)).id;
    const child = Number((await graph(recordId)).vertices[0]!.build_no);
    const childLog = await ek.log(jobId, child);
    // "Predefined parameters are each build's own": the job's build builds the tag v1.
    expect(childLog).toContain('GIT_TAG=[v1] codeBranch=[v1]');
    // The records API tells a tag build by its build_type and tag, as it does for the control build.
    const childRecord = await ek.recordInfo(jobId, child);
    expect(childRecord).toMatchObject({ build_type: 'tag', tag: 'v1' });
    // Pinned to the commit the flow checked out.
    expect(childRecord.commit).toBe((await ek.recordInfo(jobId, 1)).commit);
  }, 120_000);
});
