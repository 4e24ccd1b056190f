import BetterSqlite3 from 'better-sqlite3';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';
import { startReceiver, type Receiver } from '../helpers/notice-receiver.ts';
import { expectOk } from './operations/common.ts';

/**
 * The notification sender while a receiver is slow to answer (one send in flight for its 10 s):
 * what falls due meanwhile without a kick still goes (the engine's loop waits for the tick, so it
 * does not kick meanwhile), and a claim the store fails is reported once that send has ended, not
 * before (the next tick, or stop, would otherwise run beside it: more than 20 in flight, a store
 * closed under a send).
 */

const RUNNER = 'local:slow-notice-runner';
let kiln: TestKiln;
let admin: string;
let receiver: Receiver;
const held: ServerResponse[] = [];
let jobs = 0;
const slow = createServer((_req, res) => held.push(res));

beforeAll(async () => {
  kiln = await createTestKiln({ store: 'sqlite', notices: { pollMs: 50 } });
  admin = await tokenOf(kiln, ADMIN);
  receiver = await startReceiver();
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  slow.closeAllConnections();
  slow.close();
  await receiver?.close();
  await kiln?.close();
});

/** A job whose `event` notifications go to `url`. */
async function watchedJob(name: string, event: string, url: string): Promise<string> {
  const jobId = await createJob(kiln, admin, await kiln.defaultProjectId(), { job_name: name });
  const body = {
    notice_type: 'WEBHOOK',
    enabled_event_type_names: [event],
    param_config: JSON.stringify({ webhook_url: url }),
  };
  expectOk(await kiln.call(admin, { method: 'POST', url: `/v3/jobs/notice/${jobId}/update`, payload: body }));
  return jobId;
}

/** A failed build of a job whose notification the slow receiver holds (it answers at `held[0].end()`). */
async function heldNotification(): Promise<void> {
  const jobId = await watchedJob(
    `slow-${++jobs}`,
    'buildJobFail',
    `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`,
  );
  expectOk(await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } }));
  const lease = await kiln.engine.dispatch.next(RUNNER, new AbortController().signal, 0);
  const commit = {
    commitId: 'c0ffee00c0ffee00c0ffee00',
    commitTime: null,
    commitMessage: 'x',
    branch: 'main',
  };
  await kiln.engine.dispatch.started(RUNNER, lease!.recordId, commit);
  await kiln.engine.dispatch.done(RUNNER, lease!.recordId, { state: 'FAILURE' }); // kicks the sender
  await expect.poll(() => held.length).toBe(1);
}

it('sends what falls due while a receiver is slow to answer, with no kick', async () => {
  await heldNotification();
  const jobId = await watchedJob('changed', 'updateConfigJob', `${receiver.url}/changed`);
  const doc = (await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json().result;
  const changed = { ...doc, job_id: jobId, job_name: 'changed-again' };
  expectOk(await kiln.call(admin, { method: 'POST', url: '/v3/jobs/update', payload: changed }));
  // No kick: a job's change waits for the sender's next look.
  expect((await receiver.waitFor(1, 5_000))[0]?.path).toBe('/changed');
  held.shift()!.end();
  await kiln.engine.noticeSender.tick();
});

it('reports a failed claim only once the notifications in flight have ended', async () => {
  await heldNotification();
  // The store fails the next claim (the table is gone), the notification still unanswered.
  const raw = new BetterSqlite3(kiln.databaseUrl.replace(/^sqlite:/, ''));
  raw.exec('alter table notifications rename to notifications_away');
  try {
    let settled = false;
    const ticking = kiln.engine.noticeSender.tick().finally(() => {
      settled = true;
    });
    ticking.catch(() => {}); // awaited below
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    held.shift()!.end();
    await expect(ticking).rejects.toThrow(/notifications/);
  } finally {
    raw.exec('alter table notifications_away rename to notifications');
    raw.close();
  }
});
