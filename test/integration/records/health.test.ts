import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BuildState } from '../../../src/domain/build.ts';
import {
  build,
  describeEachStore,
  pageOf,
  qs,
  queuedBuild,
  runningBuild,
  startRecordsKiln,
  WIDE,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * health_score (build-info-records.md "health_score"): Jenkins' build stability over the job's last
 * 5 finished builds, ABORTED ignored, FAILURE and timeout failed, floor(100 * good / counted),
 * "100" when nothing counts; the same on every page, whatever the window.
 */

const T = Date.UTC(2024, 6, 1, 0, 0, 0);

describeEachStore('health_score', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store);
  });
  afterAll(() => k.close());

  /** A job whose builds have these states, oldest first (numbers and times ascending). */
  async function jobWith(states: Array<BuildState | 'Running' | 'Starting'>): Promise<string> {
    const job = await k.newJob();
    await k.insert(
      job,
      states.map((s, i) => {
        const t = T + i * 60_000;
        if (s === 'Running') return runningBuild(job, i + 1, t, t + 1000);
        if (s === 'Starting') return queuedBuild(job, i + 1, t);
        return build(job, i + 1, t, { state: s });
      }),
    );
    return job;
  }

  async function health(job: string, query = qs(WIDE)): Promise<string> {
    return pageOf(await k.list(job, query)).health_score;
  }

  it.each<[string, Array<BuildState | 'Running' | 'Starting'>, string]>([
    ['no builds at all', [], '100'],
    ['only aborted builds', ['ABORTED', 'ABORTED'], '100'],
    ['only unfinished builds', ['Running', 'Starting'], '100'],
    ['one success', ['SUCCESS'], '100'],
    ['one failure', ['FAILURE'], '0'],
    ['one timeout (counts as failed)', ['timeout'], '0'],
    ['success then timeout', ['SUCCESS', 'timeout'], '50'],
    ['four successes and a failure', ['SUCCESS', 'SUCCESS', 'FAILURE', 'SUCCESS', 'SUCCESS'], '80'],
    ['two of three good (floored, not rounded)', ['SUCCESS', 'FAILURE', 'SUCCESS'], '66'],
    ['one of three good', ['FAILURE', 'SUCCESS', 'timeout'], '33'],
    [
      'failures before the last five do not count',
      ['FAILURE', 'FAILURE', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS'],
      '100',
    ],
    [
      'a failure in the last five counts',
      ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE'],
      '80',
    ],
    ['aborted builds are ignored, not counted as good', ['FAILURE', 'ABORTED', 'ABORTED', 'SUCCESS'], '50'],
    [
      'aborted builds do not take a place among the five (older counted builds fill in)',
      ['FAILURE', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'ABORTED', 'ABORTED', 'ABORTED'],
      '80',
    ],
    [
      'running and queued builds neither count nor take a place',
      ['FAILURE', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'Running', 'Starting'],
      '80',
    ],
    ['three timeouts and two successes', ['timeout', 'SUCCESS', 'timeout', 'SUCCESS', 'timeout'], '40'],
  ])('scores %s as %s', async (_what, states, expected) => {
    const job = await jobWith(states);
    expect(await health(job)).toBe(expected);
  });

  it('sends health_score as a JSON string', async () => {
    const job = await jobWith(['SUCCESS', 'FAILURE']);
    const res = await k.listAll(job);
    expect(res.body).toMatch(/"health_score":"50"/);
  });

  it('is the same on every page, including a page past the end', async () => {
    const job = await jobWith([
      'SUCCESS',
      'SUCCESS',
      'FAILURE',
      'SUCCESS',
      'SUCCESS',
      'ABORTED',
      'SUCCESS',
      'timeout',
    ]);
    // Last five counted (newest first): timeout, SUCCESS, SUCCESS, SUCCESS, FAILURE -> 3/5.
    const scores = new Set<string>();
    for (let p = 0; p < 6; p++) {
      scores.add(pageOf(await k.listAll(job, { page_index: p, page_size: 2 })).health_score);
    }
    expect([...scores]).toEqual(['60']);
  });

  it('describes the job, not the window: a window without builds, or with only old ones, shows the same score', async () => {
    const job = await jobWith(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE', 'FAILURE']);
    expect(await health(job)).toBe('60');
    // A window in 1999-2000 holds none of the builds.
    const empty = pageOf(
      await k.list(job, qs({ start_time: '1999-01-01 00:00:00', end_time: '2000-01-01 00:00:00' })),
    );
    expect(empty.total_record).toBe('0');
    expect(empty.health_score).toBe('60');
    // A window holding only the two oldest (successful) builds.
    const old = pageOf(
      await k.list(job, qs({ start_time: '2024-07-01 00:00:00', end_time: '2024-07-01 00:01:00' })),
    );
    expect(old.job_build_states.map((r) => r.number)).toEqual([2, 1]);
    expect(old.health_score).toBe('60');
  });

  it('counts a build once it finishes, not while it runs', async () => {
    const job = await jobWith(['SUCCESS', 'Running']);
    expect(await health(job)).toBe('100');
    const running = await k.kiln.storage.builds.findByNumber(job, 2);
    expect(running?.runningStatus).toBe('Running');
    const finishedAt = T + 60_000 + 30_000;
    expect(
      await k.kiln.storage.builds.finish(running?.recordId as string, {
        state: 'FAILURE',
        finishedAt,
        buildTime: 29_000,
        costTime: 30_000,
      }),
    ).toBe(true);
    expect(await health(job)).toBe('50');
    const page = pageOf(await k.listAll(job));
    expect(page.job_build_states[0]).toMatchObject({
      number: 2,
      job_running_status: 'Finished',
      state: 'FAILURE',
      build_time: 29_000,
      cost_time: 30_000,
    });
  });
});
