import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimNewBuild, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import type { CheckoutInfo } from '../../src/protocol/runner-protocol.ts';

/**
 * Stopping a BuildFlow at the edges of its life, driven by hand (no runner, no engine loops): a
 * stop that lands while the flow's build is still on its runner (checking out, reading the file)
 * must stop the jobs the runner's report then creates; StopTheJob without a build number, whose
 * latest build is one of the flow's jobs, stops the whole flow.
 */

let ek: EngineKiln;

beforeAll(async () => {
  ek = await startEngineKiln({});
});
afterAll(() => ek?.close());

/** The runner's report that the flow's build checked out and read a flow of two jobs, b after a. */
const flowReport: CheckoutInfo = {
  commitId: '',
  commitTime: null,
  commitMessage: '',
  branch: '',
  flow: {
    strategy: 'eager',
    jobs: [
      { name: 'a', dependsOn: [], buildRef: 'a.yml', params: [] },
      { name: 'b', dependsOn: ['a'], buildRef: 'b.yml', params: [] },
    ],
  },
};

const claimed = (runnerId: string) => claimNewBuild(ek, runnerId);

/** The states of builds 1..3 (the flow, a, b) once all three have ended. */
async function statesOf(jobId: string): Promise<string[]> {
  const ended = [];
  for (const n of [1, 2, 3]) ended.push((await ek.waitFinished(jobId, n, 15_000)).state);
  return ended;
}

it('a stop asked while the flow was on its runner stops the jobs the report makes', async () => {
  const { jobId, recordId } = await claimed('r1');
  const stop = await ek.post(`/v3/jobs/${jobId}/1/stop`);
  expect(stop.statusCode, stop.body).toBe(200);
  await ek.kiln.engine.dispatch.started('r1', recordId, flowReport);
  expect(await statesOf(jobId)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
  expect(await ek.log(jobId, 2)).toContain('not run: the flow was stopped before this job started');
  // Nothing of the flow was left queued for a runner.
  expect(await ek.kiln.engine.dispatch.next('r2', new AbortController().signal, 0)).toBeUndefined();
});

it('StopTheJob without a build number stops the flow its latest build belongs to', async () => {
  const { jobId, recordId } = await claimed('r3');
  await ek.kiln.engine.dispatch.started('r3', recordId, flowReport);
  // Job a is queued; job b (build 3, the latest) waits for it.
  expect((await ek.record(jobId, 3)).job_running_status).not.toBe('Finished');
  const stop = await ek.post(`/v1/job/${jobId}/stop`, {});
  expect(stop.statusCode, stop.body).toBe(200);
  expect(await statesOf(jobId)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
  expect(await ek.kiln.engine.dispatch.next('r4', new AbortController().signal, 0)).toBeUndefined();
});

it('names what a flow graph id must be', async () => {
  const res = await ek.get('/v1/record/not-a-record/flow-graph');
  expect(res.statusCode).toBe(400);
  expect(res.json().error_msg).toBe("path parameter 'build_flow_record_id' must be a record id (UUID)");
});
