import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimNewBuild, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * ShowActionIInfo by stage when the stage's recorded end is ahead of the log stored (its runner
 * reported the step's end before the last bytes arrived): a page read backwards ends at what is
 * stored, so that a reader going on forwards from its `end_offset` (the dashboard's stage view)
 * gets the bytes still to come instead of skipping them.
 */

let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln({});
});
afterAll(() => ek?.close());

it('pages a stage only to the bytes stored, then the rest once they arrive', async () => {
  const runner = 'r-stage-end';
  const { jobId, recordId } = await claimNewBuild(ek, runner);
  const dispatch = ek.kiln.engine.dispatch;
  await dispatch.started(runner, recordId, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
  const peer = dispatch.peer(runner);
  await peer.step(recordId, { index: 0, status: 'running', logOffset: 0 });
  await peer.log(recordId, { offset: 0, data: Buffer.from('first\n') });
  // The step ended when its runner had written 12 bytes; 6 of them are still on their way.
  await peer.step(recordId, { index: 0, status: 'success', logOffset: 12 });
  const page = async (q: string) => {
    const res = await ek.get(`/v1/log/stage/page?job_id=${jobId}&build_no=1&stage=stage1&${q}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result as { log: string; start_offset: string; end_offset: string };
  };
  expect(await page('start_offset=0&end_offset=0&sort=DESC')).toMatchObject({
    log: 'first\n',
    start_offset: '0',
    end_offset: '6',
  });
  await peer.log(recordId, { offset: 6, data: Buffer.from('later\n') });
  expect(await page('start_offset=6&end_offset=0&sort=ASC')).toMatchObject({
    log: 'later\n',
    start_offset: '6',
    end_offset: '12',
  });
  await dispatch.done(runner, recordId, { state: 'SUCCESS' });
});
