import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { startReceiver, type Receiver } from '../helpers/notice-receiver.ts';
import { expectOk } from './operations/common.ts';

/**
 * Notifications on two servers over one PostgreSQL database (issue 18): both senders run at once
 * and each notification reaches the receiver once; a server that dies holding a claim (it never
 * records its attempt) leaves the notification to the other once the claim runs out, and what the
 * dead one would have written is refused.
 */

describe.skipIf(!TEST_DATABASE_URL)('notifications on two servers (PostgreSQL)', () => {
  /** A runs the builds (its sender is off); B and C send. */
  let a: TestKiln;
  let b: TestKiln;
  let c: TestKiln;
  let receiver: Receiver;
  let admin: string;
  let jobId = '';
  const clock = new TestClock();

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres', clock, notices: { server: 'server-a' } });
    await a.engine.noticeSender.stop();
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock, notices: { server: 'server-b' } });
    c = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock, notices: { server: 'server-c' } });
    receiver = await startReceiver();
    admin = await tokenOf(a, ADMIN);
    jobId = await createJob(a, admin, await a.defaultProjectId(), { job_name: 'notice-cluster' });
    expectOk(
      await a.call(admin, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: {
          notice_type: 'WEBHOOK',
          enabled_event_type_names: ['buildJobSuccess'],
          param_config: JSON.stringify({ webhook_url: `${receiver.url}/cluster` }),
        },
      }),
    );
  });
  afterAll(async () => {
    await c?.close();
    await b?.close();
    await a?.close();
    await receiver?.close();
  });

  /** Ends `n` builds of the job as a runner of server A would. */
  async function builds(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      expectOk(await a.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } }));
      const lease = await a.engine.dispatch.next('local:cluster', new AbortController().signal, 0);
      await a.engine.dispatch.started('local:cluster', lease!.recordId, {
        commitId: '',
        commitTime: null,
        commitMessage: '',
        branch: 'main',
      });
      await a.engine.dispatch.done('local:cluster', lease!.recordId, { state: 'SUCCESS' });
    }
  }

  it('delivers each notification once while both servers send at once', async () => {
    await builds(60);
    const before = receiver.received.length;
    await Promise.all([b.engine.noticeSender.tick(), c.engine.noticeSender.tick()]);
    const ids = receiver.received.slice(before).map((r) => r.headers['x-kiln-delivery']);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const { items, total } = await a.storage.notices.listByJob(jobId, 100, 0);
    expect(total).toBe(60);
    expect(items.every((n) => n.state === 'delivered' && n.attempts === 1)).toBe(true);
    const servers = new Set((await a.storage.notices.attempts(items.map((n) => n.id))).map((t) => t.server));
    expect([...servers].every((s) => s === 'server-b' || s === 'server-c')).toBe(true);
  });

  it('gives the notification of a server that died mid-delivery to the other when its claim runs out', async () => {
    // Two claimers at once on fresh notifications take different rows.
    await builds(10);
    const [x, y] = await Promise.all([
      a.storage.notices.claimDue(clock.now(), 'dead-1', clock.now() + 60_000, 5),
      c.storage.notices.claimDue(clock.now(), 'dead-2', clock.now() + 60_000, 5),
    ]);
    // Each took at most what it asked for (PostgreSQL may run a SKIP LOCKED pick more than once).
    expect(x.length).toBeLessThanOrEqual(5);
    expect(y.length).toBeLessThanOrEqual(5);
    expect(x.length + y.length).toBe(10);
    expect(new Set([...x, ...y].map((n) => n.id)).size).toBe(10);

    // The claimers died. Until their claims run out nobody sends; then B does, once each.
    const before = receiver.received.length;
    await b.engine.noticeSender.tick();
    expect(receiver.received.length).toBe(before);
    clock.advance(60_001);
    await b.engine.noticeSender.tick();
    const sent = receiver.received.slice(before).map((r) => r.headers['x-kiln-delivery']);
    expect(new Set(sent)).toEqual(new Set([...x, ...y].map((n) => n.id)));
    expect(sent).toHaveLength(10);

    // A dead claimer's late word is refused: the attempt is B's.
    const dead = [...x.map((n) => ({ n, server: 'dead-1' })), ...y.map((n) => ({ n, server: 'dead-2' }))][0]!;
    const late = await a.storage.notices.recordAttempt(
      {
        notificationId: dead.n.id,
        attempt: 1,
        at: clock.now(),
        ok: false,
        statusCode: null,
        error: 'late',
        durationMs: 1,
        server: dead.server,
      },
      { state: 'failed', nextAt: clock.now(), lastError: 'late' },
    );
    expect(late).toBe(false);
    const attempts = await a.storage.notices.attempts([dead.n.id]);
    expect(attempts).toMatchObject([{ attempt: 2, ok: true, server: 'server-b' }]);
  });
});
