import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, param, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Graphical jobs' `properties` (docs/build-yaml.md "Graphical jobs and CodeArts module
 * ids"): "its properties are the action's inputs: `${name}` in them is replaced as in a build.yml
 * (the build's parameters, the predefined ones over them; `command` is left to the shell, the
 * step's name stays as written)". A build.yml resolves `${name}` in `image` and in
 * `ignore_fail` ("or a `${name}` that becomes one").
 */

const [label, mode] = MODES[0]!;

describe(`graphical properties, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('code', { 'README.md': 'x\n' });
  }, 60_000);
  afterAll(() => kiln?.close());

  const graphical = (steps: unknown[], parameters: unknown[]) =>
    ek.newJob({ scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }], steps, parameters });

  it('properties.image "${TOOL}" is resolved like a build.yml image and checked against the runner', async () => {
    // nodejs99 asks for Node.js 99, which no runner has: the step must fail naming it.
    const jobId = await graphical(
      [
        {
          module_id: 'devcloud2018.codeci_action_20017.action',
          name: 'with image',
          properties: { image: '${TOOL}', command: 'echo the step ran' },
        },
      ],
      [param('TOOL', 'nodejs99')],
    );
    await ek.run(jobId);
    const r = await ek.waitFinished(jobId, 1, 60_000);
    const log = await ek.log(jobId, 1);
    expect(log).not.toContain('${TOOL}');
    expect(log).toContain('Node.js 99');
    expect(r.state, log).toBe('FAILURE');
  }, 60_000);

  it('properties.ignore_fail "${LET_GO}" that becomes true lets the build go on, as in a build.yml', async () => {
    const jobId = await graphical(
      [
        {
          module_id: 'kiln.shell',
          name: 'may fail',
          properties: { command: 'echo failing; exit 3', ignore_fail: '${LET_GO}' },
        },
        { module_id: 'kiln.shell', name: 'after', properties: { command: 'echo after ran' } },
      ],
      [param('LET_GO', 'true')],
    );
    await ek.run(jobId);
    const r = await ek.waitFinished(jobId, 1, 60_000);
    const log = await ek.log(jobId, 1);
    expect(log).toContain('after ran');
    expect(r.state, log).toBe('SUCCESS');
  }, 60_000);

  it("a parameter's line break cannot start a line of Kiln's own in the log", async () => {
    // Kiln's lines name the image and a value it refuses; whoever runs the job chooses P.
    const forged = { parameter: [{ name: 'P', value: 'v1\n[kiln] forged line\r\u2028' }] };
    const logOf = async (step: Record<string, unknown>, state: string) => {
      const jobId = await graphical([{ module_id: 'kiln.shell', ...step }], [param('P', 'v1')]);
      await ek.run(jobId, forged);
      const r = await ek.waitFinished(jobId, 1, 60_000);
      const log = await ek.log(jobId, 1);
      expect(r.state, log).toBe(state);
      expect(log.split('\n').filter((l) => l.startsWith('[kiln] forged'))).toEqual([]);
      expect(log).not.toMatch(/[\r\u2028]/);
      return log;
    };
    const image = { name: 'image', properties: { image: 'registry.example/x:${P}', command: 'true' } };
    expect(await logOf(image, 'SUCCESS')).toContain('registry.example/x:v1 [kiln] forged line');
    const flag = { name: 'flag', properties: { command: 'true', ignore_fail: '${P}' } };
    expect(await logOf(flag, 'FAILURE')).toContain('not "v1 [kiln] forged line');
  }, 60_000);

  it('properties.ignore_fail is read in any case, and a value neither true nor false fails the build naming it', async () => {
    const jobId = await graphical(
      [
        { module_id: 'kiln.shell', name: 'upper', properties: { command: 'exit 3', ignore_fail: 'TRUE' } },
        {
          module_id: 'kiln.shell',
          name: 'unclear',
          properties: { command: 'echo unclear ran', ignore_fail: '${LET_GO}' },
        },
      ],
      [param('LET_GO', 'maybe')],
    );
    await ek.run(jobId);
    const r = await ek.waitFinished(jobId, 1, 60_000);
    const log = await ek.log(jobId, 1);
    expect(log).toContain(
      'step "unclear": properties.ignore_fail must be true or false (any case), not "maybe" (written "${LET_GO}")',
    );
    expect(log).not.toContain('unclear ran');
    expect(r.state, log).toBe('FAILURE');
  }, 60_000);
});
