import Fastify from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RecordsPage as RecordsPageSchema } from '../../../src/contract/records.ts';
import type { Build } from '../../../src/domain/build.ts';
import type { RecordsPage } from '../../../src/engine/records-service.ts';
import { toRecordsPageDto } from '../../../src/server/mappers/record.mapper.ts';
import type { BuildWindow } from '../../../src/storage/ports.ts';
import type { SqlStorage } from '../../../src/storage/sql/sql-storage.ts';
import {
  build,
  describeEachStore,
  qs,
  runningBuild,
  startRecordsKiln,
  WIDE,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * Finished builds' records are kept rendered beside them (migration 010, domain/rendered-record.ts)
 * and a records page is made of those texts. The body must stay byte for byte what the route's
 * response schema serialized before: the same fields in the same order, the same escaping.
 */

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);
const MINUTE = 60_000;

/** Strings the two serializers could write differently, if anything. */
const AWKWARD: Partial<Build>[] = [
  { nickname: 'Zoë "the builder" \\ O\'Brien', executor: '构建者' },
  { nickname: 'tab\tnew line\ncontrol\u0001 del\u007f', executor: 'emoji 🚀 and a lone \ud800 half' },
  { nickname: `a long name with a "quote" in it, past forty-two characters ${'x'.repeat(30)}` },
  { scmWebUrl: 'https://user:secret@example.com/group/repo', scmType: 'gitlab', commitTime: null },
  { state: 'ABORTED', buildTime: 0, triggerType: 'Scheduled', buildType: 'tag', codeBranch: 'v1.0' },
  { nickname: '</script><script>alert(1)</script>', commitId: '' },
];

/** What the route's schema (fast-json-stringify, as Fastify compiles it) writes for a page. */
async function schemaSerialized(page: RecordsPage, now: number): Promise<string> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: RecordsPageSchema } } }, async () => toRecordsPageDto(page, now));
  const body = (await app.inject({ method: 'GET', url: '/' })).body;
  await app.close();
  return body;
}

describeEachStore('records kept rendered beside finished builds', (store) => {
  let k: RecordsKiln;
  let jobId: string;
  const window = (): BuildWindow => ({ jobId, from: 0, to: Date.UTC(2100, 0, 1) });

  beforeAll(async () => {
    k = await startRecordsKiln(store);
    jobId = await k.newJob();
    const builds = AWKWARD.map((o, i) => build(jobId, i + 1, T0 + i * MINUTE, o));
    await k.kiln.storage.transaction((tx) => tx.builds.insertMany(builds));
  });
  afterAll(() => k.close());

  /** The body of the whole window's first page, and the same page as built from whole builds. */
  async function bodies(): Promise<{ body: string; expected: string }> {
    const res = await k.list(jobId, qs({ ...WIDE, page_size: 100 }));
    expect(res.statusCode).toBe(200);
    const { result } = JSON.parse(res.body) as { result: Record<string, string> };
    const builds = await k.kiln.storage.builds.pageInWindow(window(), 0, 100);
    const page: RecordsPage = {
      healthScore: Number(result.health_score),
      pageIndex: 0,
      totalPage: Number(result.total_page),
      totalRecord: Number(result.total_record),
      records: builds,
      settled: false,
    };
    return { body: res.body, expected: await schemaSerialized(page, k.clock.now()) };
  }

  /** How the store hands the window's builds out: `text` for kept records, `build` for the others. */
  async function kinds(): Promise<string[]> {
    const entries = await k.kiln.storage.builds.recordsAt(window(), { below: window().to, skip: 0 }, 100);
    return entries.map((e) => (typeof e === 'string' ? 'text' : 'build'));
  }

  it('keeps the records of builds stored finished, and answers with them byte for byte', async () => {
    // Build 2 has a lone surrogate: the store reads it back as replacement characters, so it keeps
    // no record for it and renders it from its row (see recordToKeep).
    expect(await kinds()).toEqual(['text', 'build', 'text']);
    const { body, expected } = await bodies();
    expect(body).toBe(expected);
    expect(body).toContain('"scm_web_url":"https://******@example.com/group/repo"');
    expect(body).toContain('Zoë \\"the builder\\" \\\\ O\'Brien');
    expect(body).not.toContain('\\ud800');
  });

  it('keeps the records of imported builds', async () => {
    const imported = await k.newJob();
    const line = {
      number: 1,
      build_time: 1000,
      start_time: T0,
      job_running_status: 'Finished',
      state: 'SUCCESS',
      user_id: 'u'.repeat(32),
      executor: 'imp',
      nickname: 'Imported "one"',
      daily_build_number: '20240301.1',
      trigger_type: 'Manual',
      cost_time: 2000,
      commit_id: 'c'.repeat(40),
      commit_info: { commit_id: 'c'.repeat(40), created_at: '2024-03-01T07:00:00.000+00:00' },
      build_type: 'branch',
      code_branch: 'main',
      scm_type: 'github',
      scm_web_url: 'https://github.com/example/service',
      commit_detail_url: `https://github.com/example/service/commit/${'c'.repeat(40)}`,
    };
    expect((await k.importLines(imported, [line])).statusCode).toBe(200);
    const entries = await k.kiln.storage.builds.recordsAt(
      { jobId: imported, from: 0, to: Date.UTC(2100, 0, 1) },
      { below: Date.UTC(2100, 0, 1), skip: 0 },
      10,
    );
    expect(entries).toHaveLength(1);
    expect(typeof entries[0]).toBe('string');
    const res = await k.list(imported, qs({ ...WIDE }));
    expect(res.json().result.job_build_states).toEqual([line]);
  });

  it('renders a running build per request and keeps its record once it finishes', async () => {
    const now = T0 + 30 * MINUTE;
    k.clock.current = now;
    const running = runningBuild(jobId, 100, T0 + 20 * MINUTE, T0 + 21 * MINUTE);
    await k.insert(jobId, [running]);
    expect(await kinds()).toEqual(['build', 'text', 'build', 'text']);
    const during = await bodies();
    expect(during.body).toBe(during.expected);
    expect(JSON.parse(during.body).result.job_build_states[0]).toMatchObject({
      number: 100,
      job_running_status: 'Running',
      build_time: 9 * MINUTE,
    });

    await k.kiln.storage.builds.finish(running.recordId, {
      state: 'FAILURE',
      finishedAt: now + MINUTE,
      buildTime: 10 * MINUTE,
      costTime: 11 * MINUTE,
    });
    expect(await kinds()).toEqual(['text', 'build', 'text']);
    k.clock.current = now + 60 * MINUTE;
    const after = await bodies();
    expect(after.body).toBe(after.expected);
    expect(JSON.parse(after.body).result.job_build_states[0]).toMatchObject({
      number: 100,
      job_running_status: 'Finished',
      state: 'FAILURE',
      build_time: 10 * MINUTE,
      cost_time: 11 * MINUTE,
    });
  });

  it('never uses a record of another format, nor a build without one', async () => {
    const db = (k.kiln.storage as SqlStorage).db;
    // Build 4: rendered by some other (older or newer) renderer; build 5: finished before records
    // were kept (what migration 010 leaves for existing builds).
    await sql`update builds set record_json = ${'{"stale":true}'}, record_format = ${0}
      where job_id = ${jobId} and number = 4`.execute(db);
    await sql`update builds set record_json = null, record_format = null
      where job_id = ${jobId} and number = 5`.execute(db);
    // A change made under the store's feet is seen once the job's history changes.
    await k.insert(jobId, [build(jobId, 101, T0 + 50 * MINUTE)]);
    expect(await kinds()).toEqual(['text', 'build', 'build', 'text', 'build', 'text']);
    const { body, expected } = await bodies();
    expect(body).toBe(expected);
    expect(body).not.toContain('stale');
  });
});
