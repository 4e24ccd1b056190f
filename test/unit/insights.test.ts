import { describe, expect, it } from 'vitest';
import {
  columnsOf,
  insightBuildOf,
  insightsOf,
  MAX_FLAKY,
  percentile,
  slowestStages,
  weekStart,
} from '../../src/domain/insights.ts';
import type { Build } from '../../src/domain/build.ts';
import { build } from '../helpers/records.ts';

/**
 * Kiln's insights against a history computed by hand: two weeks of a job on `main`, a commit that
 * failed twice and then passed (flaky), a timeout restored the next day, a feature branch and an
 * aborted build that the delivery measures leave out.
 */

const H = 3_600_000;
const M = 60_000;
const at = (day: number, hour: number, minute = 0) => Date.UTC(2023, 10, day, hour, minute);

function b(n: number, start: number, end: number, o: Parameters<typeof build>[3] = {}) {
  return build('j'.repeat(32), n, start, {
    finishedAt: end,
    buildTime: end - start,
    codeBranch: 'main',
    ...o,
  });
}

/** Builds as the insights read them, of one job (index 0) whose branch is `branch`. */
const of = (builds: Build[], branch: string) => columnsOf(builds.map((x) => insightBuildOf(x, branch)));

const HISTORY = [
  b(1, at(6, 10), at(6, 10, 10), { commitId: 'a', commitTime: at(6, 9) }),
  b(2, at(7, 10), at(7, 10, 5), { commitId: 'b', commitTime: at(7, 9), state: 'FAILURE' }),
  b(3, at(7, 12), at(7, 12, 5), { commitId: 'b', commitTime: at(7, 9), state: 'FAILURE' }),
  b(4, at(8, 10), at(8, 10, 20), { commitId: 'b', commitTime: at(7, 9) }),
  b(5, at(8, 11), at(8, 11, 1), { commitId: 'c', commitTime: at(8, 10, 30), codeBranch: 'feature' }),
  b(6, at(13, 10), at(13, 10, 30), { commitId: 'd', commitTime: at(13, 9), state: 'timeout' }),
  b(7, at(14, 10), at(14, 10, 10), { commitId: 'e', commitTime: at(14, 9, 40) }),
  b(8, at(14, 11), at(14, 11, 1), { commitId: 'e', state: 'ABORTED', buildTime: null }),
];

describe('insights', () => {
  it('finds the commit built with different outcomes', () => {
    const { flaky } = insightsOf(of(HISTORY, 'main'), { from: at(6, 0), to: at(20, 0) }, 'UTC');
    expect(flaky).toEqual([
      {
        job: 0,
        commitId: 'b',
        builds: [
          { number: 2, state: 'FAILURE', startTime: at(7, 10) },
          { number: 3, state: 'FAILURE', startTime: at(7, 12) },
          { number: 4, state: 'SUCCESS', startTime: at(8, 10) },
        ],
      },
    ]);
  });

  it('lists the latest built flaky commits first, at most MAX_FLAKY, each with all its builds', () => {
    // 150 flaky commits, each failed then passed an hour later, a commit every ten minutes: each
    // commit's builds interleave with the next ones'. Commit 'x' failed first of all and passed last.
    const history: Build[] = [b(1, at(6, 0), at(6, 0, 1), { commitId: 'x', state: 'FAILURE' })];
    for (let k = 0; k < 150; k++) {
      const t = at(6, 1) + k * 10 * M;
      history.push(b(2 * k + 2, t, t + M, { commitId: `c${k}`, state: 'FAILURE' }));
      history.push(b(2 * k + 3, t + H, t + H + M, { commitId: `c${k}` }));
    }
    history.push(b(302, at(8, 0), at(8, 0, 1), { commitId: 'x' }));
    // In an order of their own: insightsOf orders them.
    const shuffled = history.map((x, i) => history[(i * 7) % history.length]!);
    expect(new Set(shuffled).size).toBe(history.length);
    const { flaky } = insightsOf(of(shuffled, 'main'), { from: at(6, 0), to: at(9, 0) }, 'UTC');
    expect(flaky).toHaveLength(MAX_FLAKY);
    expect(flaky[0]).toEqual({
      job: 0,
      commitId: 'x',
      builds: [
        { number: 1, state: 'FAILURE', startTime: at(6, 0) },
        { number: 302, state: 'SUCCESS', startTime: at(8, 0) },
      ],
    });
    expect(flaky.slice(1).map((f) => f.commitId)).toEqual(
      Array.from({ length: MAX_FLAKY - 1 }, (_, i) => `c${149 - i}`),
    );
    expect(flaky[1]!.builds.map((x) => [x.number, x.state])).toEqual([
      [300, 'FAILURE'],
      [301, 'SUCCESS'],
    ]);
  });

  it('measures each week: frequency, change failure rate, time to restore, lead time, build times', () => {
    // Newest first, as the store gives them: the order builds come in does not matter.
    const { weeks } = insightsOf(
      of([...HISTORY].reverse(), 'main'),
      { from: at(6, 0), to: at(20, 0) },
      'UTC',
    );
    expect(weeks).toEqual([
      {
        week: '2023-11-06',
        builds: 5,
        defaultBranchBuilds: 4,
        defaultBranchFailures: 2,
        changeFailureRate: 0.5,
        // Red from build 2's end (Nov 7 10:05) to build 4's end (Nov 8 10:20).
        timeToRestoreMs: 24 * H + 15 * M,
        // Commit a: 70 min; commit b: 25 h 20 min; the median by nearest rank is the lower.
        leadTimeMs: 70 * M,
        // 1, 5, 5, 10, 20 minutes (the feature build's 1 min counts: build times are every branch's).
        durationP50Ms: 5 * M,
        durationP90Ms: 20 * M,
      },
      {
        week: '2023-11-13',
        builds: 3,
        defaultBranchBuilds: 2,
        defaultBranchFailures: 1,
        changeFailureRate: 0.5,
        timeToRestoreMs: 23 * H + 40 * M,
        leadTimeMs: 30 * M,
        durationP50Ms: 10 * M,
        durationP90Ms: 30 * M,
      },
    ]);
  });

  it('counts every branch when the job names none, and gives nulls for an empty week', () => {
    const { weeks } = insightsOf(of(HISTORY, ''), { from: at(6, 0), to: at(27, 0) }, 'UTC');
    expect(weeks[0]).toMatchObject({
      defaultBranchBuilds: 5,
      defaultBranchFailures: 2,
      changeFailureRate: 0.4,
    });
    expect(weeks[2]).toEqual({
      week: '2023-11-20',
      builds: 0,
      defaultBranchBuilds: 0,
      defaultBranchFailures: 0,
      changeFailureRate: 0,
      timeToRestoreMs: null,
      leadTimeMs: null,
      durationP50Ms: null,
      durationP90Ms: null,
    });
  });

  it('leaves stopped builds out of build times, and never restores in negative time', () => {
    const stopped = (n: number, start: number) =>
      b(n, start, start + 1000, { state: 'ABORTED', buildTime: 0, commitId: `s${n}` });
    const { weeks } = insightsOf(
      of(
        [
          // A failure that ran 10:00-10:30 and a success that ran 10:05-10:10, started after it.
          b(1, at(6, 10), at(6, 10, 30), { state: 'FAILURE', commitId: 'x' }),
          b(2, at(6, 10, 5), at(6, 10, 10), { commitId: 'y', commitTime: at(6, 10) }),
          stopped(3, at(7, 9)),
          stopped(4, at(7, 10)),
        ],
        'main',
      ),
      { from: at(6, 0), to: at(13, 0) },
      'UTC',
    );
    expect(weeks).toEqual([
      expect.objectContaining({ builds: 4, timeToRestoreMs: 0, durationP50Ms: 5 * M, durationP90Ms: 30 * M }),
    ]);
  });

  it('finds Mondays in the server zone and percentiles by nearest rank', () => {
    expect(new Date(weekStart(at(12, 23), 'UTC')).toISOString()).toBe('2023-11-06T00:00:00.000Z');
    // Monday 00:30 in Shanghai is Sunday 16:30 UTC: still that Monday's week there.
    expect(weekStart(Date.UTC(2023, 10, 12, 16, 30), 'Asia/Shanghai')).toBe(Date.UTC(2023, 10, 12, 16, 0));
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.9)).toBe(4);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('ranks stages by median time, each job and name its own, at most ten', () => {
    const times = [
      ...[5, 1, 9].map((ms) => ({ job: 0, name: 'build', ms })),
      ...[7, 7].map((ms) => ({ job: 0, name: 'test', ms })),
      { job: 1, name: 'build', ms: 100 },
      ...Array.from({ length: 12 }, (_, i) => ({ job: 2, name: `s${i}`, ms: 0 })),
    ];
    const stages = slowestStages(times);
    expect(stages.slice(0, 3)).toEqual([
      { job: 1, name: 'build', runs: 1, p50Ms: 100, p90Ms: 100, maxMs: 100 },
      { job: 0, name: 'test', runs: 2, p50Ms: 7, p90Ms: 7, maxMs: 7 },
      { job: 0, name: 'build', runs: 3, p50Ms: 5, p90Ms: 9, maxMs: 9 },
    ]);
    expect(stages).toHaveLength(10);
  });
});
