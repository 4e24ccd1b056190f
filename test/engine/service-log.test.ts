import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { PeerUnavailableError } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { TestClock } from '../helpers/app.ts';
import { param, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';
import { deliver, headersFor, pushBody } from '../helpers/webhooks.ts';

/**
 * The engine's and the runner's service log, captured from the logger's destination stream: a
 * build's life (claimed, started, finished with outcome and duration) with its record, job and
 * runner, a lost runner, builds ended at recovery, a schedule firing, a push ignored and why, an
 * outage told once when it starts and once when it ends. No line holds a secret.
 */
const SENSITIVE_DEFAULT = `default-${randomBytes(6).toString('hex')}`;
const RUN_SECRET = `run-${randomBytes(6).toString('hex')}`;
const URL_SECRET = `url-${randomBytes(6).toString('hex')}`;
const OUTAGE_SECRET = `outage-${randomBytes(6).toString('hex')}`;
const lines: Record<string, unknown>[] = [];
const raw: string[] = [];
let ek: EngineKiln;
let clock: TestClock;

const logged = (msg: string) => lines.filter((l) => l.msg === msg);

beforeAll(async () => {
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
  ek = await startEngineKiln({ clock, logger, leaseMs: 10_000 });
});
afterAll(async () => {
  await ek?.close();
  const all = raw.join('\n');
  for (const secret of [SENSITIVE_DEFAULT, RUN_SECRET, URL_SECRET, OUTAGE_SECRET, ek.token])
    expect(all).not.toContain(secret);
  // A logger made as a child of a child names its `component` twice in a line (JSON.parse keeps
  // the last; log processors differ).
  expect(raw.filter((line) => (line.match(/"component":/g) ?? []).length > 1)).toEqual([]);
});

/** RunJob; returns the new build's record id. */
async function run(job: string, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await ek.run(job, extra);
  const build = await ek.kiln.storage.builds.findByNumber(job, Number(answer.actual_build_number));
  return build!.recordId;
}

async function secretJob(extra: Record<string, unknown> = {}): Promise<string> {
  return ek.newJob({
    scms: [{ url: `https://alice:${URL_SECRET}@example.com/team/app.git`, scm_type: 'git', branch: 'main' }],
    parameters: [param('TOKEN', SENSITIVE_DEFAULT, true), param('RUN', 'x', true)],
    ...extra,
  });
}

it('tells a build claimed, started and finished with its outcome and duration, with record, job and runner', async () => {
  const job = await secretJob();
  const recordId = await run(job, { parameter: [{ name: 'RUN', value: RUN_SECRET }] });
  const peer = ek.kiln.engine.dispatch.peer('runner-a');
  const lease = await peer.next(new AbortController().signal);
  expect(lease?.recordId).toBe(recordId);
  await peer.started(recordId, {
    commitId: 'abc',
    commitTime: null,
    commitMessage: '',
    branch: 'main',
  } as never);
  clock.advance(4_000);
  await peer.done(recordId, { state: 'SUCCESS' } as never);

  const ids = { recordId, jobId: job, runnerId: 'runner-a', component: 'engine' };
  expect(logged('build claimed')).toEqual([expect.objectContaining(ids)]);
  expect(logged('build started')).toEqual([expect.objectContaining(ids)]);
  expect(logged('build finished')).toEqual([
    expect.objectContaining({ ...ids, outcome: 'SUCCESS', durationMs: 4_000 }),
  ]);
});

it('tells a lost runner and the builds ended at recovery, with their count', async () => {
  const job = await secretJob();
  const lost = await run(job);
  const lostPeer = ek.kiln.engine.dispatch.peer('runner-b');
  await lostPeer.next(new AbortController().signal);
  // Started: a build lost before its start goes back to the queue instead.
  await lostPeer.started(lost, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
  clock.advance(10_001);
  expect(await ek.kiln.engine.dispatch.expireLeases()).toBe(1);
  expect(logged('runner lost: build aborted')).toEqual([
    expect.objectContaining({ recordId: lost, jobId: job, runnerId: 'runner-b', outcome: 'ABORTED' }),
  ]);

  const held = await run(job);
  const oldPeer = ek.kiln.engine.dispatch.peer('local:old');
  await oldPeer.next(new AbortController().signal);
  // Started: one that had not goes back to the queue at recovery.
  await oldPeer.started(held, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
  expect(await ek.kiln.engine.dispatch.recoverRunner('local:old')).toBe(1);
  expect(logged('build aborted at recovery')).toEqual([
    expect.objectContaining({ recordId: held, jobId: job, runnerId: 'local:old', outcome: 'ABORTED' }),
  ]);
  expect(logged('builds that were running when the server stopped ended ABORTED')).toEqual([
    expect.objectContaining({ runnerId: 'local:old', builds: 1 }),
  ]);
});

it('tells a schedule that fired, and a push ignored and why', async () => {
  const job = await secretJob({
    triggers: [
      { name: 'timer', parameters: [{ name: 'cron', value: '*/5 * * * *' }] },
      { name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] },
    ],
  });
  clock.advance(5 * 60_000);
  expect(await ek.kiln.engine.scheduler.tick()).toBeGreaterThanOrEqual(1);
  const [fired] = logged('schedule fired').filter((l) => l.jobId === job);
  expect(fired).toMatchObject({ jobId: job, recordId: expect.any(String), trigger: '0:*/5 * * * *' });

  const secret = (await ek.get(`/v1/kiln/jobs/${job}/webhook`)).json().result.secret as string;
  const body = pushBody('github', 'refs/heads/feature', 'a'.repeat(40), {
    cloneUrl: 'https://example.com/team/app.git',
  });
  expect((await deliver(ek.kiln, job, headersFor('github', secret, body), body)).statusCode).toBe(202);
  // A push of another repository: the reason names the job's, without its credentials (afterAll).
  const other = pushBody('github', 'refs/heads/main', 'a'.repeat(40), {
    cloneUrl: 'https://example.com/team/other.git',
  });
  expect((await deliver(ek.kiln, job, headersFor('github', secret, other), other)).statusCode).toBe(202);
  expect(logged('webhook ignored')).toEqual([
    expect.objectContaining({ jobId: job, reason: expect.stringContaining('branch feature is not one') }),
    expect.objectContaining({
      jobId: job,
      reason:
        'the push is for repository https://example.com/team/other.git; the job builds https://******@example.com/team/app.git',
    }),
  ]);
  expect(raw.join('\n')).not.toContain(secret);
});

it('tells an outage of the server once when it starts and once when it ends, not once per retry', async () => {
  const real = ek.kiln.engine.dispatch.peer('runner-c');
  let calls = 0;
  const flaky: RunnerPeer = {
    ...real,
    next: async (signal) => {
      calls++;
      if (calls <= 4)
        throw new PeerUnavailableError(`cannot reach https://bob:${OUTAGE_SECRET}@10.0.0.1:9: ECONNREFUSED`);
      if (calls === 5) return undefined; // the server answers: nothing to do
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return undefined;
    },
  };
  const { logger: _unused, ...options } = await testRunnerOptions(1);
  const runner = new Runner(flaky, { ...options, logger: ekLogger(), runnerId: 'runner-c' });
  runner.start();
  for (let i = 0; i < 200 && calls < 6; i++) await new Promise((r) => setTimeout(r, 50));
  await runner.stop();
  expect(calls).toBeGreaterThanOrEqual(6);
  const down = logged('the server cannot be reached; retrying until it answers');
  expect(down).toHaveLength(1);
  expect(down[0]).toMatchObject({ component: 'runner', runnerId: 'runner-c' });
  expect((down[0]!.err as { message: string }).message).toContain('https://******@10.0.0.1:9');
  expect(logged('the server answers again')).toEqual([
    expect.objectContaining({ component: 'runner', runnerId: 'runner-c', downMs: expect.any(Number) }),
  ]);
});

/** The logger the test's Kiln writes to, for a runner made here. */
function ekLogger() {
  return pino(
    { level: 'debug' },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
}
