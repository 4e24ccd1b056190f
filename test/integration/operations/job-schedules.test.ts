import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * When a job's timers build next (Kiln's GET /v1/kiln/jobs/{job_id}/schedules): each timer trigger
 * of the job, in its document's order, with its cron, the zone it is read in (the server's
 * KILN_TIMEZONE, or a CodeArts TimerTrigger's own timeZoneId) and the next due time the scheduler
 * fires by, as ISO 8601 with that zone's offset and as epoch ms. A disabled job's timers have none.
 * Whoever may not view the job gets the 404 of any job operation.
 */

/** Saturday 1 June 2024, 12:00 UTC: 14:00 in Paris (UTC+2), 20:00 in Shanghai (UTC+8). */
const START = Date.UTC(2024, 5, 1, 12, 0, 0);

const TRIGGERS = [
  { name: 'timer', parameters: [{ name: 'cron', value: '0 2 * * *' }] },
  {
    name: 'hudson.triggers.TimerTrigger',
    parameters: [
      { name: 'spec', value: '30 9 * * 1-5' },
      { name: 'timeZoneId', value: 'Asia/Shanghai' },
    ],
  },
];

onEveryStore((store) => {
  describe("a job's schedules", () => {
    let kiln: TestKiln;
    let admin: string;
    let outsider: string;
    let timed = '';
    let idle = '';
    const clock = new TestClock(START);

    const schedules = async (token: string, job: string) => {
      const res = await kiln.call(token, { method: 'GET', url: `/v1/kiln/jobs/${job}/schedules` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().result as { disabled: boolean; schedules: Record<string, unknown>[] };
    };

    beforeAll(async () => {
      kiln = await createTestKiln({ store, clock, timeZone: 'Europe/Paris' });
      admin = await tokenOf(kiln, ADMIN);
      const open = await kiln.defaultProjectId();
      const closed = await createProject(kiln, admin, 'timers-closed');
      timed = await createJob(kiln, admin, closed, { job_name: 'timed', scms: [], triggers: TRIGGERS });
      idle = await createJob(kiln, admin, closed, { job_name: 'untimed', scms: [] });
      await createUser(kiln, admin, 'timers-outsider', 'Timers-outsider-pass-1');
      await setRole(kiln, admin, open, 'timers-outsider', 'owner');
      outsider = await tokenOf(kiln, {
        name: 'timers-outsider',
        password: 'Timers-outsider-pass-1',
        domain: 'default',
      });
    });
    afterAll(() => kiln?.close());

    it('gives each timer its zone and next due time, in the document order', async () => {
      expect(await schedules(admin, timed)).toEqual({
        disabled: false,
        schedules: [
          {
            cron: '0 2 * * *',
            time_zone: 'Europe/Paris',
            own_time_zone: false,
            next_due_time: '2024-06-02T02:00:00+02:00',
            next_due_at: Date.UTC(2024, 5, 2, 0, 0, 0),
          },
          {
            // Saturday: the next weekday is Monday.
            cron: '30 9 * * 1-5',
            time_zone: 'Asia/Shanghai',
            own_time_zone: true,
            next_due_time: '2024-06-03T09:30:00+08:00',
            next_due_at: Date.UTC(2024, 5, 3, 1, 30, 0),
          },
        ],
      });
      expect(await schedules(admin, idle)).toEqual({ disabled: false, schedules: [] });
    });

    it('moves a next time on once the scheduler fired for it', async () => {
      clock.current = Date.UTC(2024, 5, 2, 0, 0, 30); // 02:00:30 in Paris
      expect(await kiln.engine.scheduler.tick()).toBe(1);
      const after = await schedules(admin, timed);
      expect(after.schedules.map((s) => [s.next_due_time, s.next_due_at])).toEqual([
        ['2024-06-03T02:00:00+02:00', Date.UTC(2024, 5, 3, 0, 0, 0)],
        ['2024-06-03T09:30:00+08:00', Date.UTC(2024, 5, 3, 1, 30, 0)],
      ]);
    });

    it("says a disabled job's timers will not fire, and gives them back once enabled", async () => {
      const disable = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${timed}/disable` });
      expect(disable.statusCode, disable.body).toBe(200);
      const off = await schedules(admin, timed);
      expect(off.disabled).toBe(true);
      expect(off.schedules.map((s) => [s.cron, s.time_zone, s.next_due_time, s.next_due_at])).toEqual([
        ['0 2 * * *', 'Europe/Paris', null, null],
        ['30 9 * * 1-5', 'Asia/Shanghai', null, null],
      ]);
      const enable = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${timed}/recover` });
      expect(enable.statusCode, enable.body).toBe(200);
      const on = await schedules(admin, timed);
      expect(on.disabled).toBe(false);
      expect(on.schedules.map((s) => s.next_due_at)).toEqual([
        Date.UTC(2024, 5, 3, 0, 0, 0),
        Date.UTC(2024, 5, 3, 1, 30, 0),
      ]);
    });

    it('answers whoever may not view the job the 404 of any job operation', async () => {
      const res = await kiln.call(outsider, { method: 'GET', url: `/v1/kiln/jobs/${timed}/schedules` });
      expectCodeArtsError(res, 404, 'CB.00060201', 'job not found');
    });
  });
});
