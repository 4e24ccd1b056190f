import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Build } from '../src/domain/build.ts';
import { newRecordId } from '../src/domain/ids.ts';
import type { Storage } from '../src/storage/ports.ts';
import { createPostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import { fairPick } from '../src/storage/sql/queue-store.ts';
import type { SqlStorage } from '../src/storage/sql/sql-storage.ts';
import { createSqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { seedDomain, seedProjectJob } from './lib/seed.ts';
import { fmt, median, percentile, report } from './lib/stats.ts';

/**
 * The fair claim's cost (`npm run build:server && node --import tsx bench/queue-claim.bench.ts`):
 * one claim transaction (take the next build, give it to a runner) with 1,000 and with 10,000
 * builds queued across 50 projects (half of them in one project), 8 builds held by runners, next to
 * the FIFO claim it replaced. The claim must not scan the queue, so the figures at 1,000 and 10,000
 * should be alike. With KILN_TEST_DATABASE_URL set it runs on PostgreSQL too, and it prints each
 * engine's plan of the pick.
 */
const PROJECTS = 50;
const HELD = 8;
const CLAIMS = 300;
const now = Date.UTC(2024, 0, 1);

function queuedBuild(jobId: string, number: number): Build {
  return {
    recordId: newRecordId(),
    jobId,
    number,
    dailyBuildNumber: `20240101.${number}`,
    startTime: now,
    runStartedAt: null,
    finishedAt: null,
    runningStatus: 'Starting',
    state: '',
    triggerType: 'Manual',
    userId: 'u',
    executor: 'bench',
    nickname: 'bench',
    commitId: '',
    commitTime: null,
    commitMessage: '',
    buildType: 'branch',
    codeBranch: 'main',
    scmType: 'git',
    scmWebUrl: '',
    buildTime: null,
    costTime: null,
    parameters: [],
    requestedCommit: '',
  };
}

/** Fills the store with `queued` builds spread over the projects; returns the job ids. */
async function seed(storage: Storage, queued: number): Promise<void> {
  const domainId = await seedDomain(storage, now);
  const jobs: string[] = [];
  for (let p = 0; p < PROJECTS; p++) jobs.push(await seedProjectJob(storage, domainId, `p${p}`, now));
  // Skewed like the finding: the first project has half of the queue. Extra builds for the claims
  // made while measuring, so that `queued` builds are still waiting at the end.
  const builds = Array.from({ length: queued + CLAIMS * 2 + HELD }, (_, i) =>
    queuedBuild(jobs[i % 2 === 0 ? 0 : 1 + (i % (PROJECTS - 1))] as string, i + 1),
  );
  await storage.transaction(async (tx) => {
    await tx.builds.insertMany(builds);
    for (const b of builds) await tx.queue.enqueue(b.recordId, b.jobId, now);
  });
  for (let i = 0; i < HELD; i++) await claim(storage);
}

async function claim(storage: Storage): Promise<string | undefined> {
  return storage.transaction(async (tx) => {
    const head = await tx.queue.takeNext();
    if (head) await tx.builds.claim(head.recordId, 'bench', now + 60_000, now);
    return head?.recordId;
  });
}

/** The claim before fairness, for comparison: the oldest queued build, whatever its project. */
async function fifoClaim(storage: Storage): Promise<string | undefined> {
  const db = (storage as SqlStorage).db as Kysely<unknown>;
  const lock = storage.dialect === 'postgres' ? sql` for update skip locked` : sql``;
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ build_id: string }>`delete from build_queue
      where seq = (select seq from build_queue order by seq limit 1${lock}) returning build_id`.execute(trx);
    const id = rows[0]?.build_id;
    if (id)
      await sql`update builds set runner_id = 'bench', lease_expires_at = ${now + 60_000} where id = ${id}`.execute(
        trx,
      );
    return id;
  });
}

/** Times each claim transaction alone; the build is then finished, so HELD builds stay running. */
async function timeClaims(
  storage: Storage,
  take: (s: Storage) => Promise<string | undefined>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const t = process.hrtime.bigint();
    const id = await take(storage);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (id) await storage.builds.finish(id, { state: 'SUCCESS', finishedAt: now, buildTime: 1, costTime: 1 });
  }
  return times;
}

async function measure(name: string, storage: Storage, queued: number): Promise<void> {
  await seed(storage, queued);
  // PostgreSQL plans by statistics; autovacuum keeps them in a live database.
  if (storage.dialect === 'postgres') await sql`analyze`.execute((storage as SqlStorage).db);
  for (const [label, take] of [
    ['fair claim', claim],
    ['FIFO claim (before)', fifoClaim],
  ] as const) {
    const times = await timeClaims(storage, take);
    report(
      `${name}: ${label}, ${queued} queued, ${PROJECTS} projects`,
      fmt(median(times)),
      `p99 ${fmt(percentile(times, 99))}`,
    );
  }
}

async function plan(name: string, storage: Storage): Promise<void> {
  const db = (storage as SqlStorage).db as Kysely<unknown>;
  const head = fairPick(storage.dialect === 'postgres');
  const explain =
    storage.dialect === 'postgres'
      ? sql`explain (analyze, costs off) ${head}`
      : sql`explain query plan ${head}`;
  const { rows } = await explain.execute(db);
  console.log(`\n  ${name} plan (the pick):`);
  for (const r of rows as Record<string, unknown>[])
    console.log(
      `    ${String(r['QUERY PLAN'] ?? `${String(r.id).padStart(3)} ${String(r.parent).padStart(3)} ${String(r.detail)}`)}`,
    );
}

async function run(name: string, make: () => Promise<{ storage: Storage; drop(): Promise<void> }>) {
  for (const queued of [1_000, 10_000]) {
    const { storage, drop } = await make();
    try {
      await measure(name, storage, queued);
      if (queued === 10_000) await plan(name, storage);
    } finally {
      await storage.close();
      await drop();
    }
  }
}

await run('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-queue-'));
  const storage = await createSqliteStorage({ path: join(dir, 'kiln.db') });
  return { storage, drop: async () => rmSync(dir, { recursive: true, force: true }) };
});
if (process.env.KILN_TEST_DATABASE_URL) {
  await run('postgres', async () => {
    const db = await createTestDatabase();
    const storage = await createPostgresStorage({ url: db.url, poolSize: 5 });
    return { storage, drop: db.drop };
  });
}
