import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BuildPlan } from '../../src/domain/build-plan.ts';
import { newId32 } from '../../src/domain/ids.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { sampleBuild } from '../storage/contract/store-contract.ts';
import { maskStoredSecrets } from '../../src/storage/migrations/005-mask-stored-secrets.ts';
import type { SqlStorage } from '../../src/storage/sql/sql-storage.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { param } from '../helpers/engine.ts';
import { rawDatabaseText } from '../helpers/raw-database.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * A database an earlier Kiln wrote holds secrets in the clear. After the upgrade, migration 005
 * (no key) masks those nothing reads back (every build's parameter list, finished builds' plans,
 * deleted jobs), and the engine at start seals those still needed (live jobs' documents, unfinished
 * builds' plans). Afterwards none is in the database in the clear, and each still works.
 */

const DEFAULT_SECRET = 'legacy-default-91c2';
const QUEUED_SECRET = 'legacy-queued-55ab';
const FINISHED_SECRET = 'legacy-finished-0f3d';
const DELETED_SECRET = 'legacy-deleted-7e70';
const URL_TOKEN = 'legacy-url-token-3344';
const REPO = `https://bot:${URL_TOKEN}@git.example.com/team/app.git`;
const SECRETS = [DEFAULT_SECRET, QUEUED_SECRET, FINISHED_SECRET, DELETED_SECRET, URL_TOKEN];

function plan(value: string): BuildPlan {
  return {
    scm: { url: REPO, buildType: 'branch', ref: 'main', commit: '' },
    steps: [{ name: 'say', moduleId: 'kiln.shell', enabled: true, command: 'echo hi' }],
    parameters: [
      { name: 'TOKEN', value, sensitive: true },
      { name: 'PLAIN', value: 'plain-value', sensitive: false },
    ],
    timeoutMs: 60_000,
    keepWorkspace: false,
  };
}

describeEachStore('secrets an earlier version stored in the clear', (store) => {
  let kiln: TestKiln;
  let storage: Storage;
  let token: string;
  const liveJob = newId32();
  const deletedJob = newId32();
  let queuedId: string;

  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    storage = kiln.storage;
    token = await kiln.token();
    const projectId = await kiln.defaultProjectId();
    const domain = await storage.domains.findByName('default');
    const admin = (await storage.users.findCredentialsByName(domain?.id ?? '', 'admin'))?.user;
    if (!admin) throw new Error('no admin');
    const config = (name: string, secret: string) =>
      JSON.stringify(
        jobBody(projectId, {
          job_name: name,
          scms: [{ url: REPO, scm_type: 'git', branch: 'main' }],
          parameters: [param('TOKEN', secret, true), param('PLAIN', 'plain-value')],
        }),
      );
    const job = (id: string, name: string, secret: string) => ({
      id,
      projectId,
      name,
      creatorId: admin.id,
      config: config(name, secret),
      disabled: false,
      disabledReason: '',
      webhookSecretEnc: 'x',
      lastBuildNumber: 2,
      createdAt: kiln.clock.now(),
      updatedAt: kiln.clock.now(),
      recordsVersion: 0,
    });
    // What an earlier Kiln stored: documents, plans and parameter lists in the clear.
    await storage.jobs.insert(job(liveJob, 'legacy-live', DEFAULT_SECRET));
    await storage.jobs.insert(job(deletedJob, 'legacy-deleted', DELETED_SECRET));
    await storage.jobs.markDeleted(deletedJob, admin.id, kiln.clock.now());
    const now = kiln.clock.now();
    const finished = sampleBuild(liveJob, 1, now - 60_000, {
      parameters: plan(FINISHED_SECRET).parameters,
      scmWebUrl: REPO,
    });
    const queued = sampleBuild(liveJob, 2, now, {
      runningStatus: 'Starting',
      state: '',
      runStartedAt: null,
      finishedAt: null,
      parameters: plan(QUEUED_SECRET).parameters,
    });
    queuedId = queued.recordId;
    await storage.builds.insert(finished, JSON.stringify(plan(FINISHED_SECRET)));
    await storage.builds.insert(queued, JSON.stringify(plan(QUEUED_SECRET)));
    await storage.queue.enqueue(queued.recordId, liveJob, now);
    const before = await rawDatabaseText(kiln.databaseUrl);
    for (const secret of SECRETS) expect(before).toContain(secret);

    // The upgrade: migration 005 runs on these rows (as it would have, had they been there when it
    // ran), then migration 017 starts each job's history with its document as it is (a database
    // upgraded from before 005 in one go: still in the clear), then the engine starts.
    const db = (storage as SqlStorage).db;
    await maskStoredSecrets().up(db);
    await sql`insert into job_versions (job_id, number, update_type, user_id, config, created_at)
      select id, 1, 'CREATE', creator_id, config, updated_at from jobs`.execute(db);
    expect(await kiln.engine.sealStoredSecrets()).toEqual({ jobs: 1, builds: 1, versions: 1 });
  });
  afterAll(() => kiln?.close());

  it('leaves none of them in the clear in any row, and has nothing more to seal at the next start', async () => {
    // Rows only: the bytes of rewritten rows stay in the file's free space until reused (VACUUM).
    const raw = await rawDatabaseText(kiln.databaseUrl, true);
    for (const secret of SECRETS) expect(raw).not.toContain(secret);
    expect(raw).toContain('plain-value');
    expect(await kiln.engine.sealStoredSecrets()).toEqual({ jobs: 0, builds: 0, versions: 0 });
  });

  it('gives the queued build to a runner with its values, and new builds get the default', async () => {
    const signal = new AbortController().signal;
    const first = await kiln.engine.dispatch.next('runner-1', signal, 0);
    expect(first?.recordId).toBe(queuedId);
    expect(first?.plan).toEqual(plan(QUEUED_SECRET));

    const run = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/build',
      payload: { job_id: liveJob },
    });
    expect(run.statusCode, run.body).toBe(200);
    const next = await kiln.engine.dispatch.next('runner-1', signal, 0);
    expect(next?.plan.parameters).toEqual(plan(DEFAULT_SECRET).parameters);
    expect(next?.plan.scm?.url).toBe(REPO);
  });

  it('shows the live job to an editor as before: URL whole, sensitive default masked', async () => {
    const res = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${liveJob}/query` });
    expect(res.statusCode, res.body).toBe(200);
    const doc = res.json().result;
    expect(doc.scms[0].url).toBe(REPO);
    expect(doc.parameters[0].params).toContainEqual({ name: 'defaultValue', value: '******' });
  });
});
