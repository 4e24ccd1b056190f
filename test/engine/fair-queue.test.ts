import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody } from '../helpers/app.ts';
import { TestRepo } from '../helpers/git.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { sharedDir } from '../helpers/runner.ts';
import { shell, startEngineKiln } from '../helpers/engine.ts';

/**
 * Queue fairness through a real runner with one slot: project A queues many builds, project B one;
 * B's build runs right after A's current one, not after all of A's backlog.
 */

let repo: TestRepo;
let scratch: string;
beforeAll(() => {
  repo = new TestRepo();
  repo.commit('first');
  scratch = sharedDir('fair');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  ['sqlite', true],
  ['postgres', Boolean(TEST_DATABASE_URL)],
] as const)('fair queue on %s', (store, enabled) => {
  it.skipIf(!enabled)("one runner slot: B's single build starts next after A's current one", async () => {
    const ek = await startEngineKiln({ store, runner: { slots: 1 } });
    try {
      const gate = join(scratch, `${store}-gate`);
      const scms = [{ url: repo.url, scm_type: 'git', branch: 'main' }];
      // A's first build holds the slot until the gate opens, so every other build waits queued.
      const jobA = await ek.newJob({
        scms,
        steps: [
          shell(
            'a',
            `if [ "$BUILD_NUMBER" = 1 ]; then while [ ! -f ${gate} ]; do sleep 0.05; done; fi; echo A$BUILD_NUMBER`,
          ),
        ],
      });
      const created = await ek.kiln.call(ek.token, {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'tenant-b' },
      });
      expect(created.statusCode).toBe(201);
      const made = await ek.kiln.call(ek.token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(created.json().result.id as string, {
          job_name: 'tenant-b-job',
          scms,
          steps: [shell('b', 'echo B$BUILD_NUMBER')],
        }),
      });
      expect(made.statusCode).toBe(200);
      const jobB = made.json().result.job_id as string;

      await ek.run(jobA);
      await ek.waitRecord(jobA, 1, (r) => r.job_running_status === 'Running', 15_000, 'Running');
      for (let i = 2; i <= 8; i++) await ek.run(jobA);
      await ek.run(jobB);
      writeFileSync(gate, '');
      await ek.waitFinished(jobA, 8, 60_000);
      await ek.waitFinished(jobB, 1, 60_000);
      // One slot: the builds ran one after another, so their start times give the order.
      const started: [string, string][] = [];
      for (let n = 1; n <= 8; n++) started.push([`A${n}`, (await ek.recordInfo(jobA, n)).start_time]);
      started.push(['B1', (await ek.recordInfo(jobB, 1)).start_time]);
      const ran = started.sort((x, y) => x[1].localeCompare(y[1])).map(([name]) => name);
      expect(ran).toEqual(['A1', 'B1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
    } finally {
      await ek.close();
    }
  });
});
