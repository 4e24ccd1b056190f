import type { LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Build } from '../../src/domain/build.ts';
import type { QueryObserver } from '../../src/storage/ports.ts';
import { sampleBuild } from '../storage/contract/store-contract.ts';
import { createTestKiln, jobBody, type TestClock, type TestKiln } from './app.ts';
import { TEST_DATABASE_URL } from './postgres.ts';

/**
 * Helpers for the build-info-records suites (test/integration/records). Expected values are
 * computed here on purpose without src/domain/time.ts: the zones used by the suites are either
 * fixed-offset (UTC, Asia/Shanghai = UTC+8 all year) or spelled out as instants by hand.
 */

export type StoreKind = 'sqlite' | 'postgres';
export const STORES: readonly StoreKind[] = ['sqlite', 'postgres'];

/** Registers `body` once per store; the PostgreSQL variant is skipped when KILN_TEST_DATABASE_URL is unset. */
export function describeEachStore(title: string, body: (store: StoreKind) => void): void {
  describe.each(STORES)(`${title} [%s]`, (store) => {
    if (store === 'postgres' && !TEST_DATABASE_URL) {
      it.skip('PostgreSQL variant (set KILN_TEST_DATABASE_URL to run it)', () => {});
      return;
    }
    body(store);
  });
}

/** The three records routes. */
export type ListVersion = 'v3' | 'v1';

export function listUrl(jobId: string, query: string, version: ListVersion = 'v3'): string {
  const path = version === 'v3' ? `/v3/jobs/${jobId}/build-info-records` : `/v1/record/${jobId}/list`;
  return `${path}${query}`;
}

/** `?k=v&...` percent-encoded the way the SDKs do it (space -> %20, ':' -> %3A). */
export function qs(
  params: Record<string, string | number | undefined> | Array<[string, string | number]>,
): string {
  const pairs = Array.isArray(params)
    ? params
    : (Object.entries(params).filter(([, v]) => v !== undefined) as Array<[string, string | number]>);
  if (pairs.length === 0) return '';
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}

/** A window that holds every build the suites create. */
export const WIDE = { start_time: '2000-01-01 00:00:00', end_time: '2099-12-31 23:59:59' } as const;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `yyyy-MM-dd HH:mm:ss` of an instant in a fixed-offset zone (UTC+offsetHours). */
export function wallAt(epochMs: number, offsetHours = 0): string {
  const d = new Date(epochMs + offsetHours * 3_600_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** The instant a fixed-offset wall clock shows `yyyy-MM-dd HH:mm:ss` (whole seconds). */
export function instantOfWall(wall: string, offsetHours = 0): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(wall);
  if (!m) throw new Error(`bad wall clock ${wall}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - offsetHours * 3_600_000;
}

/** What the suites need of one in-process Kiln. */
export interface RecordsKiln {
  kiln: TestKiln;
  clock: TestClock;
  token: string;
  projectId: string;
  /** Creates a job over the API and returns its id. */
  newJob(overrides?: Record<string, unknown>): Promise<string>;
  /** GET the records list with a raw query string (`?a=b`). */
  list(
    jobId: string,
    query: string,
    version?: ListVersion,
    token?: string | undefined,
  ): Promise<LightMyRequestResponse>;
  /** GET the records list of the whole WIDE window with page parameters. */
  listAll(jobId: string, page?: { page_index?: number; page_size?: number }): Promise<LightMyRequestResponse>;
  /** GET one record (ShowBuildInfoRecord). */
  one(jobId: string, buildNo: string | number, token?: string): Promise<LightMyRequestResponse>;
  /** POST an NDJSON import. */
  importLines(
    jobId: string,
    body: string | readonly unknown[],
    options?: { firstLine?: number; token?: string; query?: string },
  ): Promise<LightMyRequestResponse>;
  /** Inserts builds through the storage port (the only way to get queued/running builds). */
  insert(jobId: string, builds: Build[]): Promise<void>;
  /** Moves the test clock and signs in again (tokens live 24 h on that clock). */
  setClock(epochMs: number): Promise<void>;
  /** Creates a user (password `user-password-1`) and returns a project-scoped token for them. */
  userToken(role: 'viewer' | 'developer' | 'owner' | 'none'): Promise<string>;
  close(): Promise<void>;
}

export const USER_PASSWORD = 'user-password-1';

export async function startRecordsKiln(
  store: StoreKind,
  options: { timeZone?: string; clock?: TestClock; onQuery?: QueryObserver } = {},
): Promise<RecordsKiln> {
  const kiln = await createTestKiln({
    store,
    ...(options.timeZone && { timeZone: options.timeZone }),
    ...(options.clock && { clock: options.clock }),
    ...(options.onQuery && { onQuery: options.onQuery }),
  });
  const projectId = await kiln.defaultProjectId();
  const rk: RecordsKiln = {
    kiln,
    clock: kiln.clock,
    token: await kiln.token(),
    projectId,
    async newJob(overrides = {}) {
      const res = await kiln.call(rk.token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: `job-${randomBytes(6).toString('hex')}`, ...overrides }),
      });
      if (res.statusCode !== 200) throw new Error(`job create failed: ${res.statusCode} ${res.body}`);
      const id = res.json().result.job_id as string;
      expect(id).toMatch(/^[0-9a-z]{32}$/);
      return id;
    },
    list(jobId, query, version = 'v3', tok: string | undefined = rk.token) {
      return kiln.call(tok, { method: 'GET', url: listUrl(jobId, query, version) });
    },
    listAll(jobId, page = {}) {
      return rk.list(jobId, qs({ ...WIDE, ...page }));
    },
    one(jobId, buildNo, tok = rk.token) {
      return kiln.call(tok, { method: 'GET', url: `/v1/record/${jobId}/${buildNo}/build-info-record` });
    },
    importLines(jobId, body, opts = {}) {
      const payload =
        typeof body === 'string'
          ? body
          : body.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
      const query = opts.query ?? (opts.firstLine !== undefined ? `?first_line=${opts.firstLine}` : '');
      return kiln.call(opts.token ?? rk.token, {
        method: 'POST',
        url: `/v1/kiln/jobs/${jobId}/import${query}`,
        headers: { 'content-type': 'application/x-ndjson' },
        payload,
      });
    },
    async insert(_jobId, builds) {
      for (const b of builds) await kiln.storage.builds.insert(b);
    },
    async setClock(epochMs) {
      kiln.clock.current = epochMs;
      rk.token = await kiln.token();
    },
    async userToken(role) {
      const name = `u${randomBytes(5).toString('hex')}`;
      const created = await kiln.call(rk.token, {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name, password: USER_PASSWORD, display_name: name },
      });
      if (created.statusCode !== 201 && created.statusCode !== 200)
        throw new Error(`user create failed: ${created.statusCode} ${created.body}`);
      if (role !== 'none') {
        const member = await kiln.call(rk.token, {
          method: 'PUT',
          url: `/v1/kiln/projects/${projectId}/members/${name}`,
          payload: { role },
        });
        if (member.statusCode !== 200)
          throw new Error(`set member failed: ${member.statusCode} ${member.body}`);
      }
      return kiln.token(name, USER_PASSWORD);
    },
    close: () => kiln.close(),
  };
  return rk;
}

/** A build for storage insertion (finished SUCCESS unless overridden). */
export function build(
  jobId: string,
  number: number,
  startTime: number,
  overrides: Partial<Build> = {},
): Build {
  return sampleBuild(jobId, number, startTime, overrides);
}

/** A build that a runner is executing: started `runFor` ms after the trigger. */
export function runningBuild(jobId: string, number: number, startTime: number, runStartedAt: number): Build {
  return sampleBuild(jobId, number, startTime, {
    runningStatus: 'Running',
    state: '',
    runStartedAt,
    finishedAt: null,
    buildTime: null,
    costTime: null,
  });
}

/** A build waiting in the queue (no runner yet). */
export function queuedBuild(jobId: string, number: number, startTime: number): Build {
  return sampleBuild(jobId, number, startTime, {
    runningStatus: 'Starting',
    state: '',
    runStartedAt: null,
    finishedAt: null,
    buildTime: null,
    costTime: null,
    commitId: '',
    commitTime: null,
  });
}

/** One BuildInfoRecord as the API shows it (and as the import takes it), every field set. */
export interface RecordJson {
  number: number;
  build_time: number;
  start_time: number;
  job_running_status: string;
  state: string;
  user_id: string;
  executor: string;
  nickname: string;
  daily_build_number: string;
  trigger_type: string;
  cost_time: number;
  commit_id: string;
  commit_info: { commit_id: string; created_at: string };
  build_type: string;
  code_branch: string;
  scm_type: string;
  scm_web_url: string;
  commit_detail_url: string;
}

export const RECORD_FIELDS = [
  'number',
  'build_time',
  'start_time',
  'job_running_status',
  'state',
  'user_id',
  'executor',
  'nickname',
  'daily_build_number',
  'trigger_type',
  'cost_time',
  'commit_id',
  'commit_info',
  'build_type',
  'code_branch',
  'scm_type',
  'scm_web_url',
  'commit_detail_url',
] as const;

export const INTEGER_FIELDS = ['number', 'build_time', 'start_time', 'cost_time'] as const;

/** A record line in canonical API form (plain git, no web URL, so commit_detail_url is ""). */
export function recordJson(
  number: number,
  startTime: number,
  overrides: Partial<RecordJson> = {},
): RecordJson {
  const sha = (overrides.commit_id ?? `${number.toString(16).padStart(8, '0')}${'c'.repeat(32)}`).slice(
    0,
    40,
  );
  return {
    number,
    build_time: 3_525_000,
    start_time: startTime,
    job_running_status: 'Finished',
    state: 'SUCCESS',
    user_id: 'ae22fd035f354cfa8d82a3f1c8940446',
    executor: 'test',
    nickname: '021',
    daily_build_number: `20231226.${number}`,
    trigger_type: 'Manual',
    cost_time: 3_600_000,
    commit_id: sha,
    commit_info: { commit_id: sha, created_at: '2023-11-21T01:48:21.000+00:00' },
    build_type: 'branch',
    code_branch: 'master',
    scm_type: 'git',
    scm_web_url: '',
    commit_detail_url: '',
    ...overrides,
  };
}

/** Checks the CodeArts error body, status, code and X-Request-Id; returns the message. */
export function expectError(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  message?: RegExp,
): string {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg']);
  expect(body.error_code).toBe(code);
  expect(typeof body.error_msg).toBe('string');
  expect(body.error_msg.length).toBeGreaterThan(0);
  expect(res.headers['x-request-id']).toMatch(/\S/);
  expectNoLeak(body.error_msg);
  if (message) expect(body.error_msg).toMatch(message);
  return body.error_msg as string;
}

/** A message must not carry a stack, SQL or a path of the server. */
export function expectNoLeak(message: string): void {
  expect(message).not.toMatch(/\n\s+at\s|\bat .+\.(ts|js|mjs|cjs):\d+/);
  expect(message).not.toMatch(
    /node_modules|\/work\/|\/src\/|\.ts\b|SQLITE_|syntax error at|\bselect\s.+\bfrom\b/i,
  );
}

/** A 200 records page: the envelope checked, the result returned. */
export function pageOf(res: LightMyRequestResponse): {
  health_score: string;
  page_index: string;
  total_page: string;
  total_record: string;
  job_build_states: RecordJson[];
} {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
  const body = res.json();
  expect(body.error).toBeNull();
  expect(body.status).toBe('success');
  return body.result;
}

export function numbersOf(res: LightMyRequestResponse): number[] {
  return pageOf(res).job_build_states.map((r) => r.number);
}

/** The spec's order and page, computed naively. */
export function naivePage(
  builds: ReadonlyArray<{ number: number; startTime: number }>,
  from: number,
  toExclusive: number,
  pageIndex: number,
  pageSize: number,
): { numbers: number[]; total: number } {
  const inWindow = builds
    .filter((b) => b.startTime >= from && b.startTime < toExclusive)
    .sort((a, b) => b.startTime - a.startTime || b.number - a.number);
  return {
    numbers: inWindow.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize).map((b) => b.number),
    total: inWindow.length,
  };
}

/** Collects every `null` in a JSON value, by path. */
export function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nullPaths(v, `${path}.${k}`));
  return [];
}

/** Every field of a record present with its JSON type. */
export function expectRecordShape(r: Record<string, unknown>): void {
  expect(Object.keys(r).sort()).toEqual([...RECORD_FIELDS].sort());
  for (const f of RECORD_FIELDS) {
    const v = r[f];
    if ((INTEGER_FIELDS as readonly string[]).includes(f)) {
      expect(Number.isInteger(v), `${f} is an integer (got ${JSON.stringify(v)})`).toBe(true);
    } else if (f === 'commit_info') {
      expect(v && typeof v === 'object' && !Array.isArray(v), 'commit_info is an object').toBe(true);
      const ci = v as Record<string, unknown>;
      expect(Object.keys(ci).sort()).toEqual(['commit_id', 'created_at']);
      expect(typeof ci.commit_id).toBe('string');
      expect(typeof ci.created_at).toBe('string');
    } else {
      expect(typeof v, `${f} is a string (got ${JSON.stringify(v)})`).toBe('string');
    }
  }
  expect(nullPaths(r)).toEqual([]);
}
