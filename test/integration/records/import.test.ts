import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  build,
  describeEachStore,
  expectError,
  pageOf,
  recordJson,
  startRecordsKiln,
  type RecordJson,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * History import (POST /v1/kiln/jobs/{job_id}/import, NDJSON, one BuildInfoRecord per line):
 * valid lines become finished builds shown exactly as imported; a bad line stops the import with a
 * 400 naming the line (first_line numbering) and the field and saying how many builds before it
 * were stored; re-importing completes without duplicates or overwrites; nothing is half-written;
 * the job's build number counter is raised; a line over 1 MiB is refused.
 */

const SHA = 'ffe2ee8b44a0b2683df86b44f8ec27d71baeae86';
const T = Date.UTC(2023, 11, 26, 1, 37, 21);
const MIB = 1024 * 1024;

/** How many builds the message says were stored before the bad line. */
function storedBefore(message: string): number | undefined {
  const m = /(\d+) builds?[^;.]*stored|stored (\d+) builds?/.exec(message);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** Varied, canonical records (every value as the API would print it). */
function history(count: number, base = T): RecordJson[] {
  const scms: Array<[string, string, (sha: string) => string]> = [
    [
      'codehub',
      'https://test.huawei.com/codehub/2111750206/home',
      (s) => `https://test.huawei.com/codehub/2111750206/${s}/commitdetail`,
    ],
    ['github', 'https://github.com/acme/app', (s) => `https://github.com/acme/app/commit/${s}`],
    ['gitlab', 'https://gitlab.example.com/g/app', (s) => `https://gitlab.example.com/g/app/-/commit/${s}`],
    ['gitee', 'https://gitee.com/acme/app', (s) => `https://gitee.com/acme/app/commit/${s}`],
    ['git', '', () => ''],
  ];
  const states = ['SUCCESS', 'FAILURE', 'ABORTED', 'timeout', 'SUCCESS', 'SUCCESS'];
  const triggers = ['Manual', 'Scheduled', 'CodeUpdate'];
  const types = ['branch', 'tag', 'commit'];
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const sha = `${n.toString(16).padStart(8, '0')}${SHA.slice(8)}`;
    const [scm, web, detail] = scms[i % scms.length] as (typeof scms)[number];
    return recordJson(n, base + i * 3_600_000 + (i % 7), {
      build_time: 1000 * n + 17,
      cost_time: 1000 * n + 500,
      state: states[i % states.length] as string,
      trigger_type: triggers[i % triggers.length] as string,
      build_type: types[i % types.length] as string,
      code_branch: i % 3 === 1 ? `v1.${n}` : 'master',
      executor: `user${i % 4}`,
      nickname: `Nick ${i % 4} 尼克`,
      daily_build_number: `20231226.${n}`,
      commit_id: sha,
      commit_info: {
        commit_id: sha,
        created_at: new Date(base - 86_400_000 + i * 1000).toISOString().replace('Z', '+00:00'),
      },
      scm_type: scm,
      scm_web_url: web,
      commit_detail_url: detail(sha),
    });
  });
}

const newestFirst = (rs: RecordJson[]) =>
  [...rs].sort((a, b) => b.start_time - a.start_time || b.number - a.number);

describeEachStore('history import', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
  });
  afterAll(() => k.close());

  async function all(job: string): Promise<RecordJson[]> {
    return pageOf(await k.listAll(job, { page_size: 100 })).job_build_states;
  }

  async function storedCount(job: string): Promise<number> {
    return k.kiln.storage.builds.countInWindow({ jobId: job, from: 0, to: Date.UTC(2100, 0, 1) });
  }

  function summaryOf(res: LightMyRequestResponse): { imported: number; skipped: number } {
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    const body = res.json();
    expect(body).toMatchObject({ error: null, status: 'success' });
    expect(Number.isInteger(body.result.imported)).toBe(true);
    expect(Number.isInteger(body.result.skipped)).toBe(true);
    return body.result;
  }

  it('stores valid lines as finished builds and shows them through the records API exactly as imported', async () => {
    const job = await k.newJob();
    const lines = history(12);
    const summary = summaryOf(await k.importLines(job, lines));
    expect(summary).toMatchObject({ imported: 12, skipped: 0 });
    expect(await all(job)).toEqual(newestFirst(lines));
    for (const line of lines) {
      const one = await k.one(job, line.number);
      expect(one.json().result).toEqual(line);
      const stored = await k.kiln.storage.builds.findByNumber(job, line.number);
      expect(stored).toMatchObject({
        runningStatus: 'Finished',
        state: line.state,
        startTime: line.start_time,
      });
    }
    expect(await storedCount(job)).toBe(12);
  });

  it("round-trips the API's own output: importing one job's records into another shows the same page", async () => {
    const source = await k.newJob();
    // History Kiln produced itself (not imported), with the variety the API can show.
    await k.insert(source, [
      build(source, 1, T, {
        state: 'SUCCESS',
        scmType: 'codehub',
        scmWebUrl: 'https://test.huawei.com/codehub/2111750206/home',
        commitId: SHA,
      }),
      build(source, 2, T + 1000, {
        state: 'FAILURE',
        triggerType: 'Scheduled',
        buildType: 'tag',
        codeBranch: 'v2',
        scmType: 'github',
        scmWebUrl: 'https://github.com/a/b',
      }),
      build(source, 3, T + 2000, {
        state: 'ABORTED',
        triggerType: 'CodeUpdate',
        commitTime: null,
        commitId: '',
      }),
      build(source, 4, T + 2000, {
        state: 'timeout',
        buildType: 'commit',
        scmType: 'gitlab',
        scmWebUrl: 'https://gitlab.com/x/y',
        nickname: 'Zoë 😀',
      }),
      build(source, 5, T + 1500, {
        dailyBuildNumber: '20231226.12',
        runStartedAt: T + 1500,
        buildTime: 0,
        costTime: 0,
      }),
    ]);
    const exported = await all(source);
    expect(exported.length).toBe(5);
    const target = await k.newJob();
    expect(summaryOf(await k.importLines(target, exported))).toMatchObject({ imported: 5, skipped: 0 });
    const a = pageOf(await k.listAll(source, { page_size: 100 }));
    const b = pageOf(await k.listAll(target, { page_size: 100 }));
    expect(b).toEqual(a);
    // And one more time through the target's own output.
    const again = await k.newJob();
    summaryOf(await k.importLines(again, b.job_build_states));
    expect(pageOf(await k.listAll(again, { page_size: 100 }))).toEqual(a);
  });

  it('leaves out builds still queued or running where the history was read, counts them, and takes them once finished', async () => {
    const job = await k.newJob();
    const lines = history(5);
    const running = { ...structuredClone(lines[3]), job_running_status: 'Running', state: '' } as RecordJson;
    const queued = { ...structuredClone(lines[4]), job_running_status: 'Starting', state: '' } as RecordJson;
    const first = summaryOf(await k.importLines(job, [lines[0], lines[1], lines[2], running, queued]));
    expect(first).toMatchObject({ imported: 3, skipped: 0, unfinished: 2, lines: 5 });
    expect((await all(job)).map((r) => r.number)).toEqual([3, 2, 1]);
    // An imported build ran on no runner of this server.
    const runner = await k.kiln.call(k.token, { method: 'GET', url: `/v1/kiln/jobs/${job}/1/runner` });
    expect(runner.json().result).toEqual({ ran: false, name: '', kind: '', arch: '', pool: '' });
    // Copied again once they finished: the two come, the rest is already there.
    expect(summaryOf(await k.importLines(job, lines))).toMatchObject({
      imported: 2,
      skipped: 3,
      unfinished: 0,
    });
    expect(await all(job)).toEqual(newestFirst(lines));
  });

  it('takes CRLF line ends and a final newline', async () => {
    const job = await k.newJob();
    const lines = history(3);
    const body = `${lines.map((l) => JSON.stringify(l)).join('\r\n')}\r\n`;
    expect(summaryOf(await k.importLines(job, body))).toMatchObject({ imported: 3, skipped: 0 });
    expect(await all(job)).toEqual(newestFirst(lines));
  });

  it('imports a CodeArts record with a localized trigger label as one of the three trigger types', async () => {
    const job = await k.newJob();
    const line = { ...recordJson(44, 1703554641000), trigger_type: '定时触发' };
    summaryOf(await k.importLines(job, [line]));
    expect((await all(job))[0]?.trigger_type).toBe('Scheduled');
  });

  const badFields: Array<[string, string, (r: Record<string, unknown>) => void]> = [
    ['number as a string', 'number', (r) => (r.number = '3')],
    ['number 0', 'number', (r) => (r.number = 0)],
    ['fractional number', 'number', (r) => (r.number = 2.5)],
    ['missing start_time', 'start_time', (r) => delete r.start_time],
    ['start_time as text', 'start_time', (r) => (r.start_time = '2023-12-26 01:37:21')],
    ['negative build_time', 'build_time', (r) => (r.build_time = -1)],
    ['cost_time as a string', 'cost_time', (r) => (r.cost_time = '1000')],
    ['an unknown running status', 'job_running_status', (r) => (r.job_running_status = 'Paused')],
    ['an unknown state', 'state', (r) => (r.state = 'PASSED')],
    ['an empty state on a finished build', 'state', (r) => (r.state = '')],
    ['an unknown trigger type', 'trigger_type', (r) => (r.trigger_type = 'Webhook')],
    ['a malformed daily build number', 'daily_build_number', (r) => (r.daily_build_number = '2023-12-26.1')],
    ['a numeric user_id', 'user_id', (r) => (r.user_id = 5)],
    ['a null executor', 'executor', (r) => (r.executor = null)],
    ['an unknown build type', 'build_type', (r) => (r.build_type = 'pull-request')],
    [
      'a bad commit time',
      'commit_info.created_at',
      (r) => ((r.commit_info as Record<string, unknown>).created_at = 'yesterday'),
    ],
  ];

  it.each(badFields)(
    'stops at a line with %s: 400 naming the line and %s, builds before it stored',
    async (_what, field, mutate) => {
      const job = await k.newJob();
      const lines = history(5);
      const bad = structuredClone(lines[2]) as unknown as Record<string, unknown>;
      mutate(bad);
      const res = await k.importLines(job, [lines[0], lines[1], bad, lines[3], lines[4]]);
      const msg = expectError(res, 400, 'CB.00060200', /\bline 3\b/);
      expect(msg).toContain(field);
      expect(storedBefore(msg)).toBe(2);
      expect((await all(job)).map((r) => r.number)).toEqual([2, 1]);
      for (const n of [3, 4, 5]) expect(await k.kiln.storage.builds.findByNumber(job, n)).toBeUndefined();
      expect(await storedCount(job)).toBe(2);
    },
  );

  it('names a line that is not JSON, and one that is JSON but not an object', async () => {
    const job = await k.newJob();
    const lines = history(4);
    let res = await k.importLines(job, [lines[0], '{"number": 2, "start_time": ', lines[2]]);
    let msg = expectError(res, 400, 'CB.00060200', /\bline 2\b/);
    expect(storedBefore(msg)).toBe(1);
    res = await k.importLines(job, [lines[0], lines[1], '[1,2,3]', lines[3]]);
    msg = expectError(res, 400, 'CB.00060200', /\bline 3\b/);
    expect(storedBefore(msg)).toBe(2);
  });

  it('names a line with text that is not Unicode (a lone surrogate escape) and stores nothing of it', async () => {
    const job = await k.newJob();
    const lines = history(3);
    const lone = JSON.stringify({ ...lines[1], nickname: 'Nick \ud800' });
    expect(lone).toContain('\\ud800');
    const res = await k.importLines(job, [lines[0], lone, lines[2]]);
    const msg = expectError(res, 400, 'CB.00060200', /\bline 2: field nickname is not valid Unicode/);
    expect(storedBefore(msg)).toBe(1);
    expect((await all(job)).map((r) => r.number)).toEqual([1]);
  });

  it('completes an interrupted import when the fixed file is sent again: no duplicates, present numbers skipped', async () => {
    const job = await k.newJob();
    const lines = history(8);
    const broken = [...lines.slice(0, 5), 'not json', ...lines.slice(6)];
    const first = await k.importLines(job, broken);
    expect(storedBefore(expectError(first, 400, 'CB.00060200', /\bline 6\b/))).toBe(5);
    const second = summaryOf(await k.importLines(job, lines));
    expect(second).toMatchObject({ imported: 3, skipped: 5 });
    const shown = await all(job);
    expect(shown).toEqual(newestFirst(lines));
    expect(pageOf(await k.listAll(job)).total_record).toBe('8');
    expect(await storedCount(job)).toBe(8);
    // A third time changes nothing.
    expect(summaryOf(await k.importLines(job, lines))).toMatchObject({ imported: 0, skipped: 8 });
    expect(await all(job)).toEqual(shown);
  });

  it('never overwrites a build already present, even when the line differs', async () => {
    const job = await k.newJob();
    const [line] = history(1) as [RecordJson];
    summaryOf(await k.importLines(job, [line]));
    const changed = { ...line, state: 'FAILURE', executor: 'mallory', start_time: line.start_time + 5000 };
    expect(summaryOf(await k.importLines(job, [changed]))).toMatchObject({ imported: 0, skipped: 1 });
    expect(await all(job)).toEqual([line]);
  });

  it('keeps the first of two lines with the same number in one file', async () => {
    const job = await k.newJob();
    const [a, b] = history(2) as [RecordJson, RecordJson];
    const dup = { ...b, number: a.number, executor: 'second' };
    expect(summaryOf(await k.importLines(job, [a, dup, b]))).toMatchObject({ imported: 2, skipped: 1 });
    expect(await all(job)).toEqual(newestFirst([a, b]));
  });

  it('never leaves a half-written build when the file ends in the middle of a line', async () => {
    const job = await k.newJob();
    const lines = history(4);
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    const cut = text.slice(0, text.length - 40); // the fourth line loses its end
    const res = await k.importLines(job, cut);
    expect(storedBefore(expectError(res, 400, 'CB.00060200', /\bline 4\b/))).toBe(3);
    expect(await all(job)).toEqual(newestFirst(lines.slice(0, 3)));
    expect(await k.kiln.storage.builds.findByNumber(job, 4)).toBeUndefined();
    expect(await storedCount(job)).toBe(3);
    expect(pageOf(await k.listAll(job)).total_record).toBe('3');
  });

  it('never leaves a half-written build when a line is valid JSON but misses fields', async () => {
    const job = await k.newJob();
    const lines = history(3);
    const partial = { number: 3, start_time: T, state: 'SUCCESS' };
    const res = await k.importLines(job, [lines[0], lines[1], partial]);
    expectError(res, 400, 'CB.00060200', /\bline 3\b/);
    expect(await k.kiln.storage.builds.findByNumber(job, 3)).toBeUndefined();
    expect(await storedCount(job)).toBe(2);
    expect(pageOf(await k.listAll(job)).total_record).toBe('2');
  });

  it('uses first_line to number lines in its error messages', async () => {
    const job = await k.newJob();
    const lines = history(4);
    const res = await k.importLines(job, [lines[0], lines[1], { ...lines[2], state: 'bad' }, lines[3]], {
      firstLine: 101,
    });
    const msg = expectError(res, 400, 'CB.00060200', /\bline 103\b/);
    expect(msg).toContain('state');
    expect(msg).not.toMatch(/\bline 3\b/);
  });

  it.each(['0', '-1', '1.5', 'abc'])('refuses first_line=%s with 400 naming first_line', async (v) => {
    const job = await k.newJob();
    const res = await k.importLines(job, history(1), { query: `?first_line=${v}` });
    expectError(res, 400, 'CB.00060200', /first_line/);
    expect(await storedCount(job)).toBe(0);
  });

  it("raises the job's build number counter past the highest imported number", async () => {
    const job = await k.newJob();
    const lines = [1, 2, 3, 100].map((n, i) =>
      recordJson(n, T + i * 1000, { daily_build_number: `20231226.${n === 100 ? 7 : n}` }),
    );
    summaryOf(await k.importLines(job, lines));
    const next = await k.kiln.storage.transaction((tx) => tx.jobs.allocateBuildNumber(job));
    expect(next).toBe(101);
    expect(await k.kiln.storage.transaction((tx) => tx.jobs.allocateDailyNumber(job, '20231226'))).toBe(8);
    // A later import of an older number is stored but never lowers the counter.
    summaryOf(await k.importLines(job, [recordJson(50, T + 9000)]));
    expect(await k.kiln.storage.transaction((tx) => tx.jobs.allocateBuildNumber(job))).toBe(102);
  });

  it('refuses a number that leaves later runs no room: 400 naming the limit, and RunJob keeps working', async () => {
    const job = await k.newJob();
    const run = () =>
      k.kiln.call(k.token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: job } });
    for (const n of [2147483647, 2147483646, 1_000_000_001]) {
      const line = recordJson(n, T, { daily_build_number: '20231226.1' });
      const msg = expectError(await k.importLines(job, [line]), 400, 'CB.00060200', /\bline 1\b/);
      expect(msg).toContain('field number must be a whole number from 1 to 1000000000');
      expect(msg).toContain('2147483647');
    }
    expect(await storedCount(job)).toBe(0);
    let res = await run();
    expect(res.statusCode).toBe(200);
    expect(res.json().actual_build_number).toBe('1');
    // The largest number allowed still leaves room for a billion runs after it.
    const largest = recordJson(1_000_000_000, T, { daily_build_number: '20231226.1' });
    expect(summaryOf(await k.importLines(job, [largest]))).toMatchObject({ imported: 1 });
    res = await run();
    expect(res.statusCode).toBe(200);
    expect(res.json().actual_build_number).toBe('1000000001');
  });

  it('answers RunJob on a job whose numbers are used up with 409, not a 500', async () => {
    const job = await k.newJob();
    // What an import made before numbers were limited could leave behind.
    await k.kiln.storage.jobs.raiseBuildNumber(job, 2147483647);
    const res = await k.kiln.call(k.token, {
      method: 'POST',
      url: '/v3/jobs/build',
      payload: { job_id: job },
    });
    expectError(res, 409, 'CB.00060409', /used every build number up to 2147483647/);
    expect(await storedCount(job)).toBe(0);
  });

  it('keeps numbers unique between imports and builds numbered after them', async () => {
    const job = await k.newJob();
    const lines = history(5);
    summaryOf(await k.importLines(job, lines));
    const n = await k.kiln.storage.transaction((tx) => tx.jobs.allocateBuildNumber(job));
    expect(n).toBe(6);
    await k.insert(job, [build(job, Number(n), T + 10 * 3_600_000)]);
    // Re-importing a file that also names number 6 keeps the build Kiln numbered.
    const clash = recordJson(6, T - 1000, { executor: 'imported' });
    expect(summaryOf(await k.importLines(job, [...lines, clash]))).toMatchObject({ imported: 0, skipped: 6 });
    const shown = await all(job);
    expect(shown.map((r) => r.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(shown.find((r) => r.number === 6)?.executor).toBe('admin');
  });

  /** A record line padded with spaces (still valid JSON) to exactly `bytes` bytes. */
  function paddedLine(n: number, bytes: number): string {
    const text = JSON.stringify(recordJson(n, T + n * 1000));
    expect(bytes).toBeGreaterThan(text.length);
    return `${text.slice(0, -1)}${' '.repeat(bytes - text.length)}}`;
  }

  it('accepts a line of exactly 1 MiB', async () => {
    const job = await k.newJob();
    const line = paddedLine(1, MIB);
    expect(Buffer.byteLength(line)).toBe(MIB);
    expect(summaryOf(await k.importLines(job, `${line}\n`))).toMatchObject({ imported: 1 });
  });

  it('refuses a line longer than 1 MiB in the middle of a file, naming the line', async () => {
    const job = await k.newJob();
    const lines = history(3);
    const body = [JSON.stringify(lines[0]), paddedLine(2, MIB + 1), JSON.stringify(lines[2])].join('\n');
    const res = await k.importLines(job, body);
    expectError(res, 400, 'CB.00060200', /\bline 2\b/);
    expect(await k.kiln.storage.builds.findByNumber(job, 2)).toBeUndefined();
    expect(await k.kiln.storage.builds.findByNumber(job, 3)).toBeUndefined();
  });

  it('refuses an over-long last line without a newline, naming the line', async () => {
    const job = await k.newJob();
    const lines = history(2);
    const body = [JSON.stringify(lines[0]), paddedLine(2, MIB + 1)].join('\n');
    const res = await k.importLines(job, body);
    expectError(res, 400, 'CB.00060200', /\bline 2\b/);
    expect(await k.kiln.storage.builds.findByNumber(job, 2)).toBeUndefined();
  });

  it('refuses an endless line of 3 MiB without a newline', async () => {
    const job = await k.newJob();
    const res = await k.importLines(job, 'x'.repeat(3 * MIB));
    expectError(res, 400, 'CB.00060200', /\bline 1\b/);
    expect(await storedCount(job)).toBe(0);
  });

  it('says how many builds before an over-long line were stored, and stored them', async () => {
    const job = await k.newJob();
    const lines = history(3);
    const body = [JSON.stringify(lines[0]), JSON.stringify(lines[1]), paddedLine(3, MIB + 10)].join('\n');
    const msg = expectError(await k.importLines(job, body), 400, 'CB.00060200', /\bline 3\b/);
    expect(storedBefore(msg)).toBe(2);
    expect(await storedCount(job)).toBe(2);
  });

  it('numbers an over-long line with first_line', async () => {
    const job = await k.newJob();
    const lines = history(2);
    const body = [JSON.stringify(lines[0]), paddedLine(2, MIB + 1)].join('\n');
    const res = await k.importLines(job, body, { firstLine: 500 });
    expectError(res, 400, 'CB.00060200', /\bline 501\b/);
  });

  it('answers another body type 415, JSON included, naming NDJSON', async () => {
    const job = await k.newJob();
    const send = async (type: string) =>
      k.kiln.call(await k.kiln.token(), {
        method: 'POST',
        url: `/v1/kiln/jobs/${job}/import`,
        headers: { 'content-type': type },
        payload: JSON.stringify(history(1)[0]),
      });
    expectError(
      await send('text/plain'),
      415,
      'CB.00060200',
      /^unsupported Content-Type; send application\/x-ndjson$/,
    );
    expectError(
      await send('application/json'),
      415,
      'CB.00060200',
      /^unsupported Content-Type; send application\/x-ndjson$/,
    );
  });

  it('refuses callers who may not build: 401 without a token, 404 for outsiders, 403 for viewers', async () => {
    const job = await k.newJob();
    const lines = history(2);
    const noToken = await k.kiln.call(undefined, {
      method: 'POST',
      url: `/v1/kiln/jobs/BAD/import`,
      headers: { 'content-type': 'application/x-ndjson' },
      payload: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expectError(noToken, 401, 'APIGW.0301');
    expectError(await k.importLines('BAD', lines), 400, 'CB.00060201');
    expectError(
      await k.importLines('ffffffffffffffffffffffffffffffff', lines),
      404,
      'CB.00060201',
      /^job not found$/,
    );
    const outsider = await k.userToken('none');
    expectError(await k.importLines(job, lines, { token: outsider }), 404, 'CB.00060201', /^job not found$/);
    const viewer = await k.userToken('viewer');
    expectError(await k.importLines(job, lines, { token: viewer }), 403, 'CB.00060403');
    expect(await storedCount(job)).toBe(0);
    const developer = await k.userToken('developer');
    expect(summaryOf(await k.importLines(job, lines, { token: developer }))).toMatchObject({ imported: 2 });
  });
});
