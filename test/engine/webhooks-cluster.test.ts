import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { DELIVERY_RETENTION_MS, type WebhookOutcome } from '../../src/engine/webhook-service.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { TestClock } from '../helpers/app.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';
import { headersFor, pushBody, SENDERS, type Sender } from '../helpers/webhooks.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';

// Servers on one PostgreSQL database share what deliveries they have built: a replay to another
// server (or to a server started later) builds nothing, and one delivery sent to every server at
// once builds once.
describe.skipIf(!TEST_DATABASE_URL)('push deliveries across servers', () => {
  let database: TestDatabase;
  const storages: Storage[] = [];
  const engines: Engine[] = [];
  const clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));
  let jobId = '';
  let secret = '';

  /** One more server on the database (as one started after the others). */
  async function startServer(): Promise<Engine> {
    const storage = await createPostgresStorage({ url: database.url, poolSize: 4 });
    storages.push(storage);
    const engine = createEngine({
      storage,
      clock,
      timeZone: 'UTC',
      secretKey: 'cluster-secret-key-0123',
      passwordCost: TEST_PASSWORD_COST,
    });
    engines.push(engine);
    return engine;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 3; i++) await startServer();
    const e = engines[0]!;
    await e.directory.bootstrap('admin-password-1');
    const signedIn = await e.auth.signIn({
      userName: 'admin',
      address: '127.0.0.1',
      password: 'admin-password-1',
      scope: { kind: 'project', name: 'local' },
    });
    const principal = await e.auth.authenticate(signedIn.token, true);
    const project = (await e.directory.listProjects(principal, { offset: 0, limit: 1 })).items[0]!.project;
    const job = await e.jobs.create(principal, {
      project_id: project.id,
      job_name: 'on-push',
      arch: 'x86-64',
      scms: [{ url: 'https://example.com/app.git', scm_type: 'git', branch: 'main' }],
      steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
      triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] }],
    });
    jobId = job.id;
    secret = await e.jobs.webhookSecret(principal, job.id);
  });
  afterAll(async () => {
    for (const s of storages) await s.close();
    await database?.drop();
  });

  let commits = 0;
  /** A push of a fresh commit to main, signed as `sender` signs it, with one delivery id. */
  function delivery(sender: Sender) {
    const body = pushBody(sender, 'refs/heads/main', (++commits).toString(16).padStart(40, 'a'));
    return { headers: headersFor(sender, secret, body), body: Buffer.from(body) };
  }
  const started = (outcomes: WebhookOutcome[]) => outcomes.filter((o) => 'started' in o).length;

  it.each(SENDERS)(
    '%s: a delivery built by one server is a duplicate on the others and on a new one',
    async (sender) => {
      const d = delivery(sender);
      expect(started([await engines[0]!.webhooks.receive(jobId, d)])).toBe(1);
      const later = await startServer();
      for (const e of [engines[1]!, engines[2]!, later]) {
        const again = await e.webhooks.receive(jobId, d);
        expect(again).toEqual({ ignored: expect.stringMatching(/^duplicate delivery/) });
      }
    },
  );

  it.each(SENDERS)('%s: one delivery sent to every server at once builds once', async (sender) => {
    const d = delivery(sender);
    const outcomes = await Promise.all(
      engines.flatMap((e) => [e.webhooks.receive(jobId, d), e.webhooks.receive(jobId, d)]),
    );
    expect(started(outcomes)).toBe(1);
    for (const o of outcomes) if ('ignored' in o) expect(o.ignored).toMatch(/^duplicate delivery/);
  });

  it('forgets deliveries after the retention period, not before', async () => {
    const d = delivery('github');
    expect(started([await engines[0]!.webhooks.receive(jobId, d)])).toBe(1);
    clock.advance(DELIVERY_RETENTION_MS - 1000);
    await engines[1]!.webhooks.purgeDeliveries();
    expect(started([await engines[2]!.webhooks.receive(jobId, d)])).toBe(0);
    clock.advance(2000);
    expect(await engines[1]!.webhooks.purgeDeliveries()).toBeGreaterThan(0);
    expect(started([await engines[2]!.webhooks.receive(jobId, d)])).toBe(1);
  });
});
