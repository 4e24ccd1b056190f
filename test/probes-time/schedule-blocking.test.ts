import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../helpers/app.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * Probe: one job whose scheduled build cannot be planned must not stop every other job's
 * schedule. The job is accepted by CreateBuildJob (its `codeBranch` parameter default is not
 * checked as a branch name when saved), but every run of it is refused by planBuild.
 */
describeEachStore('a schedule that cannot build', (store) => {
  let ek: EngineKiln;
  let clock: TestClock;

  beforeAll(async () => {
    clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    ek = await startEngineKiln({ store, clock });
  });
  afterAll(() => ek?.close());

  async function timerJob(cron: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await ek.post('/v3/jobs/create', {
      project_id: ek.projectId,
      job_name: `cron-${randomBytes(4).toString('hex')}`,
      arch: 'x86-64',
      steps: [shell('tick', 'echo tick')],
      triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: cron }] }],
      ...extra,
    });
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    return res.json().result.job_id;
  }

  it("a job whose saved codeBranch default is not a branch name does not stop other jobs' schedules", async () => {
    const broken = await timerJob('*/5 * * * *', {
      parameters: [
        {
          name: 'hudson.model.StringParameterDefinition',
          params: [
            { name: 'name', value: 'codeBranch' },
            { name: 'defaultValue', value: 'bad..branch' },
          ],
        },
      ],
    });
    const healthy = await timerJob('0 13 * * *');
    // The broken job's run is refused on demand (400), which is right:
    const manual = await ek.post('/v3/jobs/build', { job_id: broken });
    expect(manual.statusCode).toBe(400);

    clock.advance(60 * 60_000); // 13:00: both are due; the broken one was due first (12:05)
    let tickError: unknown;
    try {
      await ek.kiln.engine.scheduler.tick();
    } catch (e) {
      tickError = e;
    }
    // The healthy job fires its 13:00 build whatever the broken one does.
    expect(await ek.records(healthy)).toHaveLength(1);
    // And the tick does not fail as a whole (the loop would log it every second, forever).
    expect(tickError).toBeUndefined();
  });
});
