import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  importRecords,
  onEveryStore,
  recordLine,
  tokenOf,
} from '../../helpers/foundation.ts';
import { expectOk } from './common.ts';

/**
 * ShowJobBuildTime (`GET /v1/report/time`): each point of `chart` gives the build's duration in
 * seconds, as the reference says (§1.3 "Durations": "`ShowJobBuildTime.chart[].build_time` is
 * seconds", from the SDK's field description; §3.13 "chart:[{..., build_time (s), ...}]"). The
 * records API's `build_time` is in ms, the chart's is not: a dashboard written for CodeArts that
 * plots the chart shows a 90-second build as 90, where Kiln answered 90000.
 */

const DAY = 86_400_000;
const NOW = Date.UTC(2023, 10, 16, 12, 0, 0);

onEveryStore((store) => {
  describe('the build time chart', () => {
    let kiln: TestKiln;
    let admin: string;
    let job = '';

    beforeAll(async () => {
      kiln = await createTestKiln({ store, clock: new TestClock(NOW) });
      admin = await tokenOf(kiln, ADMIN);
      job = await createJob(kiln, admin, await kiln.defaultProjectId(), { job_name: 'timed' });
      // Build 1 ran 90 s, build 2 ran 30 s (of 31 s from trigger to end).
      await importRecords(kiln, admin, job, [
        recordLine(1, {
          start_time: NOW - 2 * DAY,
          build_time: 90_000,
          cost_time: 95_000,
          daily_build_number: '20231114.1',
        }),
        recordLine(2, {
          start_time: NOW - DAY,
          build_time: 30_000,
          cost_time: 31_000,
          daily_build_number: '20231115.1',
        }),
      ]);
    });
    afterAll(() => kiln?.close());

    it('gives each build of the chart its duration in seconds', async () => {
      const res = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/report/time?job_id=${job}&repository_name=repo&interval=7`,
      });
      expectOk(res);
      const chart = res.json().result.chart as { build_number: number; build_time: number }[];
      expect(chart.map((p) => [p.build_number, p.build_time])).toEqual([
        [1, 90],
        [2, 30],
      ]);
    });
  });
});
