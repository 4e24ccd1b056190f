import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * The build.yml `checkout` action's `branch` (spec §3.3 [DOC]: "`branch` (string, R; may be
 * `${codeBranch}`; newer zh page notes the branch chosen at run time wins)"). CodeArts' own
 * examples write a literal branch (`branch: master`, spec §6.2). Kiln follows the spec: run on
 * another branch, the build builds the branch chosen at run time and says which branch won.
 */

const FILE = `version: 2.0
steps:
  PRE_BUILD:
    - checkout:
        name: checkout
        inputs:
          scm: codehub
          branch: master
  BUILD:
    - sh:
        inputs:
          command: echo "built $codeBranch"
`;

const [label, mode] = MODES[0]!;

describe(`checkout action, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('files', { '.cloudbuild/build.yml': FILE });
    repo.branch('master');
    repo.branch('main');
  }, 60_000);
  afterAll(() => kiln?.close());

  it('a checkout action naming a literal branch builds the branch chosen at run time (codeBranch), as CodeArts does', async () => {
    const jobId = await newYamlJob(ek, repo.url);
    await ek.run(jobId, { parameter: [{ name: 'codeBranch', value: 'main' }] });
    const r = await ek.waitFinished(jobId, 1, 60_000);
    const log = await ek.log(jobId, 1);
    expect(log).toContain('built main');
    expect(log).toContain("it asks for branch master, and the build's branch main, chosen at run time, wins");
    expect(r.state, log).toBe('SUCCESS');
  }, 60_000);
});
