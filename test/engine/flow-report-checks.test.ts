import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimNewBuild, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import type { CheckoutInfo, FlowReport } from '../../src/protocol/runner-protocol.ts';

/**
 * A runner's report that a build is a BuildFlow is checked as the file's reader checks the file
 * (job names, build_ref inside the repository, the inputs' names), not only its graph: the jobs it
 * makes run on other runners. A job of a flow cannot itself be a flow. Driven by hand (no runner).
 */

let ek: EngineKiln;

beforeAll(async () => {
  ek = await startEngineKiln({});
});
afterAll(() => ek?.close());

const checkout = (flow: FlowReport): CheckoutInfo => ({
  commitId: '',
  commitTime: null,
  commitMessage: '',
  branch: '',
  flow,
});
const job = (name: string, extra: Partial<FlowReport['jobs'][number]> = {}) => ({
  name,
  dependsOn: [],
  buildRef: `${name}.yml`,
  params: [],
  ...extra,
});

const claimed = (runnerId: string) => claimNewBuild(ek, runnerId);

it.each([
  [
    'a build_ref outside the repository',
    job('a', { buildRef: '../../etc/passwd' }),
    'build_ref must be a path inside the repository',
  ],
  ['a job name that is not one', job('a b/..'), `a flow job's name is letters, digits, . _ -`],
  [
    'an input CodeArts forbids',
    job('a', { params: [{ name: 'LD_PRELOAD', value: '/tmp/x.so' }] }),
    'params entry "LD_PRELOAD" cannot be a parameter',
  ],
  [
    'an input Kiln sets itself',
    job('a', { params: [{ name: 'WORKSPACE', value: '/' }] }),
    'params entry "WORKSPACE" is set by Kiln',
  ],
])('refuses a flow report with %s, making no job', async (what, bad, message) => {
  const runner = `r-${what.replaceAll(' ', '-')}`;
  const { jobId, recordId } = await claimed(runner);
  const report = checkout({ strategy: 'eager', jobs: [bad] });
  await expect(ek.kiln.engine.dispatch.started(runner, recordId, report)).rejects.toThrow(message);
  expect(await ek.records(jobId)).toHaveLength(1);
  await ek.kiln.engine.dispatch.done(runner, recordId, { state: 'FAILURE' });
});

it('refuses a flow report for a build that is a job of a flow', async () => {
  const { jobId, recordId } = await claimed('r1');
  const flow = checkout({ strategy: 'eager', jobs: [job('a')] });
  await ek.kiln.engine.dispatch.started('r1', recordId, flow);
  const lease = await ek.kiln.engine.dispatch.next('r2', new AbortController().signal, 0);
  expect(lease?.buildNumber).toBe(2);
  await expect(ek.kiln.engine.dispatch.started('r2', lease!.recordId, flow)).rejects.toThrow(
    'build #2 is a job of a BuildFlow: its build_ref must be a single-job file, not a flow',
  );
  expect(await ek.records(jobId)).toHaveLength(2);
  await ek.kiln.engine.dispatch.done('r2', lease!.recordId, { state: 'FAILURE' });
  expect((await ek.waitFinished(jobId, 1)).state).toBe('FAILURE');
});
