import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';

// Two `kiln serve` on one PostgreSQL database, three `kiln runner` processes, 300 builds of 3 jobs
// triggered alternately through both servers: every build runs exactly once, each job's numbers
// are 1..100, records are identical through either server, and a runner killed with SIGKILL
// mid-build loses its builds within lease + 10 s (ABORTED when they had started, back in the queue
// when it was still checking them out) while the others finish the rest.

const PASSWORD = 'scale-test-password';
const LEASE_SECONDS = 5;

interface Rec {
  number: number;
  job_running_status: string;
  state: string;
  daily_build_number: string;
}

describe.skipIf(!TEST_DATABASE_URL)('scale-out on PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-scale-'));
  let database: TestDatabase;
  const processes: KilnProcess[] = [];
  // Each run of a build says so over loopback TCP (bash's /dev/tcp): the builds' sandboxes cannot
  // write the test's files, but they reach the network.
  const runs = new Map<string, number>();
  const counter = createServer((socket) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('end', () => {
      for (const mark of text.split('\n').filter(Boolean)) runs.set(mark, (runs.get(mark) ?? 0) + 1);
    });
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await database?.drop();
    counter.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function records(url: string, token: string, jobId: string): Promise<Rec[]> {
    const res = await api<{ result: { job_build_states: Rec[] } }>(
      url,
      token,
      'GET',
      `/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01+00:00:00&end_time=2100-01-01+00:00:00&page_size=100`,
    );
    return res.result.job_build_states;
  }

  it('runs 300 builds exactly once across two servers and three runners, surviving a killed runner', async () => {
    const shared = {
      KILN_DATABASE_URL: database.url,
      KILN_SECRET_KEY: 'scale-test-secret-key-0123456789',
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_RUNNER_SLOTS: '0',
      KILN_RUNNER_LEASE_SECONDS: String(LEASE_SECONDS),
      KILN_DB_POOL_SIZE: '5',
    };
    const [a, b] = await Promise.all([
      KilnProcess.serve({ ...shared, KILN_DATA_DIR: join(dir, 'a'), KILN_SERVER_NAME: 'a' }),
      KilnProcess.serve({ ...shared, KILN_DATA_DIR: join(dir, 'b'), KILN_SERVER_NAME: 'b' }),
    ]);
    processes.push(a as KilnProcess, b as KilnProcess);
    const servers = [a as KilnProcess, b as KilnProcess];
    const token = await loginOver(servers[0]!.url, 'admin', PASSWORD);

    const runnerTokens: string[] = [];
    for (const name of ['r1', 'r2', 'r3']) {
      const res = await api<{ result: { token: string } }>(
        servers[0]!.url,
        token,
        'POST',
        '/v1/kiln/runners',
        { name },
      );
      runnerTokens.push(res.result.token);
    }
    const runners = runnerTokens.map((t, i) =>
      KilnProcess.runner(servers[i % 2]!.url, t, 2, join(dir, `runner-${i}`)),
    );
    processes.push(...runners);

    const repo = new TestRepo();
    const port = (counter.address() as AddressInfo).port;
    repo.commit('first');
    const project = (
      await api<{ result: { project_info_list: { identifier: string }[] } }>(
        servers[1]!.url,
        token,
        'GET',
        '/v1/domain/project/related',
      )
    ).result.project_info_list[0]!.identifier;
    const jobs: string[] = [];
    for (const name of ['alpha', 'beta', 'gamma']) {
      const res = await api<{ result: { job_id: string } }>(
        servers[jobs.length % 2]!.url,
        token,
        'POST',
        '/v3/jobs/create',
        {
          project_id: project,
          job_name: name,
          arch: 'x86-64',
          scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
          steps: [
            {
              module_id: 'kiln.shell',
              name: 'mark',
              properties: { command: `echo "$JOB_ID-$BUILD_NUMBER" > /dev/tcp/127.0.0.1/${port}; sleep 0.3` },
            },
          ],
        },
      );
      jobs.push(res.result.job_id);
    }

    // 300 triggers, alternating servers and jobs, 20 in flight at a time.
    const triggers = Array.from({ length: 300 }, (_, i) => ({ server: servers[i % 2]!, job: jobs[i % 3]! }));
    for (let i = 0; i < triggers.length; i += 20) {
      await Promise.all(
        triggers
          .slice(i, i + 20)
          .map((t) => api(t.server.url, token, 'POST', '/v3/jobs/build', { job_id: t.job })),
      );
    }

    // Kill one runner while it is in the middle of builds.
    await eventually(
      () => Promise.resolve(runs.size),
      (n) => n > 60,
      60_000,
      'builds under way',
    );
    const killedAt = Date.now();
    await runners[0]!.kill('SIGKILL');
    // Every runner is busy while builds wait, so the killed one held builds; once its lease runs
    // out they are no longer its own.
    const heldByKilled = async () =>
      (
        await api<{ result: { builds: { job_id: string; build_number: number; runner: string }[] } }>(
          servers[0]!.url,
          token,
          'GET',
          '/v1/kiln/queue',
        )
      ).result.builds
        .filter((q) => q.runner === 'r1')
        .map((q) => `${q.job_id}-${q.build_number}`);
    const lost = await heldByKilled();
    expect(lost.length).toBeGreaterThan(0);
    await eventually(
      heldByKilled,
      (held) => held.length === 0,
      (LEASE_SECONDS + 10) * 1000,
      'the lost builds',
    );
    expect(Date.now() - killedAt).toBeLessThan((LEASE_SECONDS + 10) * 1000);
    const allRecords = () => Promise.all(jobs.map((j) => records(servers[0]!.url, token, j)));

    const finished = await eventually(
      allRecords,
      (all) => all.every((rs) => rs.length === 100 && rs.every((r) => r.job_running_status === 'Finished')),
      180_000,
      'all 300 builds finished',
    );

    let aborted = 0;
    for (const [i, jobId] of jobs.entries()) {
      const rs = finished[i]!;
      expect(rs.map((r) => r.number).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 100 }, (_, k) => k + 1),
      );
      expect(new Set(rs.map((r) => r.daily_build_number)).size).toBe(100);
      for (const r of rs) {
        const ran = runs.get(`${jobId}-${r.number}`) ?? 0;
        if (r.state === 'SUCCESS') expect(ran).toBe(1);
        else {
          expect(r.state).toBe('ABORTED');
          expect(lost).toContain(`${jobId}-${r.number}`);
          expect(ran).toBeLessThanOrEqual(1);
          aborted++;
        }
      }
      // The same records through either server.
      expect(await records(servers[1]!.url, token, jobId)).toEqual(
        await records(servers[0]!.url, token, jobId),
      );
    }
    // Only the killed runner's builds (at most its two slots) were lost; those it had not started
    // ran elsewhere.
    expect(aborted).toBeLessThanOrEqual(2);
  }, 300_000);
});
