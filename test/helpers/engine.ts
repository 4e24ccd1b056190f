import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { Static } from 'typebox';
import { expect } from 'vitest';
import type { HistoryDetails, RealTimeLog, RecordDetail } from '../../src/contract/builds.ts';
import type { BuildInfoRecord } from '../../src/contract/records.ts';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createTestKiln, jobBody, TestClock, type TestKiln, type TestKilnOptions } from './app.ts';
import { TEST_DATABASE_URL } from './postgres.ts';
import { testRunnerOptions } from './runner.ts';

/**
 * Helpers for the build-engine suites (test/engine): a Kiln with a real local runner, jobs made
 * over the API, and waits that poll the API with a deadline instead of sleeping.
 */

/** ShowRecordDetail's result. */
export type RecordInfo = RecordDetail['result'];
export type { BuildInfoRecord, HistoryDetails };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A Kiln with a signed-in admin and the default project's id. */
export interface EngineKiln {
  kiln: TestKiln;
  token: string;
  projectId: string;
  /** Creates a job over the API (CreateBuildJob) and returns its id. */
  newJob(overrides?: Record<string, unknown>): Promise<string>;
  /** GET with the admin token; returns the response. */
  get(url: string): Promise<LightMyRequestResponse>;
  /** POST JSON with the admin token. */
  post(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** RunJob; asserts 200 and returns the answer. */
  run(jobId: string, extra?: Record<string, unknown>): Promise<RunAnswer>;
  /** The build-info record of one build (ShowBuildInfoRecord result). */
  record(jobId: string, n: number): Promise<BuildInfoRecord>;
  /** Polls the record until `pred` holds; fails with the last record when `timeoutMs` passes. */
  waitRecord(
    jobId: string,
    n: number,
    pred: (r: BuildInfoRecord) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<BuildInfoRecord>;
  /** Waits until the build is Finished and returns its record. */
  waitFinished(jobId: string, n: number, timeoutMs?: number): Promise<BuildInfoRecord>;
  /** The whole log so far, read through DownloadRealTimeLog from offset 0. */
  log(jobId: string, n: number): Promise<string>;
  /** Polls the log until it matches; returns it. */
  waitLog(jobId: string, n: number, pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** ShowHistoryDetails body. */
  details(jobId: string, n: number): Promise<HistoryDetails>;
  /** ShowRecordDetail result (v4). */
  recordInfo(jobId: string, n: number): Promise<RecordInfo>;
  /** Every build-info record of the job (wide window). */
  records(jobId: string): Promise<BuildInfoRecord[]>;
  close(): Promise<void>;
}

/** RunJob's answer. */
export interface RunAnswer {
  octopus_job_name: string;
  actual_build_number: string;
  daily_build_number: string;
}

/** Starts a Kiln (by default with a local runner with 2 slots) for the engine suites. */
export async function startEngineKiln(
  options: TestKilnOptions = { runner: { slots: 2 } },
): Promise<EngineKiln> {
  const kiln = await createTestKiln(options);
  const token = await kiln.token();
  const projectId = await kiln.defaultProjectId();
  const ek: EngineKiln = {
    kiln,
    token,
    projectId,
    async newJob(overrides = {}) {
      const res = await kiln.call(ek.token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: `job-${randomBytes(5).toString('hex')}`, ...overrides }),
      });
      if (res.statusCode !== 200) throw new Error(`job create failed: ${res.statusCode} ${res.body}`);
      return res.json().result.job_id as string;
    },
    get(url) {
      return kiln.call(ek.token, { method: 'GET', url });
    },
    post(url, payload) {
      return kiln.call(ek.token, {
        method: 'POST',
        url,
        ...(payload !== undefined && { payload: payload as object }),
      });
    },
    async run(jobId, extra = {}) {
      const res = await ek.post('/v3/jobs/build', { job_id: jobId, ...extra });
      expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
      return res.json() as RunAnswer;
    },
    async record(jobId, n) {
      const res = await ek.get(`/v1/record/${jobId}/${n}/build-info-record`);
      if (res.statusCode !== 200) throw new Error(`record ${n}: ${res.statusCode} ${res.body}`);
      return res.json().result;
    },
    async waitRecord(jobId, n, pred, timeoutMs = 15_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      let last: BuildInfoRecord | undefined;
      for (;;) {
        last = await ek.record(jobId, n);
        if (pred(last)) return last;
        if (Date.now() > deadline) {
          const log = await ek.log(jobId, n).catch(() => '(no log)');
          throw new Error(
            `build ${n}: ${what} not reached in ${timeoutMs} ms; record ${JSON.stringify(last)}\nlog:\n${log}`,
          );
        }
        await sleep(50);
      }
    },
    waitFinished(jobId, n, timeoutMs = 15_000) {
      return ek.waitRecord(jobId, n, (r) => r.job_running_status === 'Finished', timeoutMs, 'Finished');
    },
    async log(jobId, n) {
      return (await realTimeLogBytes(ek, jobId, n, 5 * 1024 * 1024, false)).toString('utf8');
    },
    async waitLog(jobId, n, pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await ek.log(jobId, n);
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`log of build ${n} never matched ${pattern}:\n${text}`);
        await sleep(50);
      }
    },
    async details(jobId, n) {
      const res = await ek.get(`/v3/jobs/${jobId}/${n}/history-details`);
      if (res.statusCode !== 200) throw new Error(`history-details ${n}: ${res.statusCode} ${res.body}`);
      return res.json();
    },
    async recordInfo(jobId, n) {
      const res = await ek.get(`/v4/jobs/${jobId}/${n}/record-info`);
      if (res.statusCode !== 200) throw new Error(`record-info ${n}: ${res.statusCode} ${res.body}`);
      return res.json().result;
    },
    async records(jobId) {
      const res = await ek.get(
        `/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01%2000%3A00%3A00&end_time=2099-12-31%2023%3A59%3A59&page_size=100`,
      );
      if (res.statusCode !== 200) throw new Error(`records: ${res.statusCode} ${res.body}`);
      return res.json().result.job_build_states;
    },
    close: () => kiln.close(),
  };
  return ek;
}

/**
 * Reads a build's log through DownloadRealTimeLog, looping on the returned offset. With `follow`
 * it keeps going until has_more_data is false (the build finished and every byte was read);
 * without, it stops at the current end.
 */
export async function realTimeLogBytes(
  ek: EngineKiln,
  jobId: string,
  n: number,
  length: number,
  follow: boolean,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const res = await ek.get(`/v3/jobs/${jobId}/${n}/real-time-log?offset=${offset}&length=${length}`);
    if (res.statusCode !== 200) throw new Error(`real-time-log: ${res.statusCode} ${res.body}`);
    const r = (res.json() as Static<typeof RealTimeLog>).result;
    const chunk = Buffer.from(r.content as string, 'utf8');
    parts.push(chunk);
    offset = r.offset;
    if (!r.has_more_data) break;
    if (chunk.length === 0) {
      if (!follow) break;
      await sleep(20);
    }
  }
  return Buffer.concat(parts);
}

/** A `kiln.shell` step. */
export function shell(name: string, command: string): Record<string, unknown> {
  return { module_id: 'kiln.shell', name, properties: { command } };
}

/**
 * Triggers a build of a new one-step job and takes it as runner `runnerId`, as a runner would: its
 * job and record id (for tests that drive the runner protocol by hand).
 */
export async function claimNewBuild(
  ek: EngineKiln,
  runnerId: string,
): Promise<{ jobId: string; recordId: string }> {
  const jobId = await ek.newJob({ scms: [], steps: [shell('s', 'echo hi')] });
  await ek.run(jobId);
  const lease = await ek.kiln.engine.dispatch.next(runnerId, new AbortController().signal, 0);
  expect(lease?.jobId).toBe(jobId);
  return { jobId, recordId: (lease as NonNullable<typeof lease>).recordId };
}

/**
 * A code-based job on `repoUrl` (branch main) that reads the build.yml at `path` (by default
 * `.cloudbuild/build.yml`), with `parameters` besides.
 */
export function newYamlJob(
  ek: EngineKiln,
  repoUrl: string,
  path?: string,
  parameters: Record<string, unknown>[] = [],
): Promise<string> {
  const all = [...(path !== undefined ? [param('CB_BUILD_YAML_PATH', path)] : []), ...parameters];
  return ek.newJob({
    build_config_type: 'YAML',
    scms: [{ url: repoUrl, scm_type: 'git', branch: 'main' }],
    steps: [],
    ...(all.length > 0 && { parameters: all }),
  });
}

/** A job parameter in CodeArts' name/value list form. */
export function param(name: string, defaultValue: string, sensitive = false): Record<string, unknown> {
  return {
    name: 'hudson.model.StringParameterDefinition',
    params: [
      { name: 'name', value: name },
      { name: 'defaultValue', value: defaultValue },
      { name: 'sensitiveVar', value: sensitive ? 'true' : 'false' },
      { name: 'description', value: `${name} parameter` },
    ],
  };
}

/**
 * True while `pid` is a live process. A zombie (exited, not yet reaped by whatever adopted it)
 * counts as dead: it runs nothing and holds nothing.
 */
export function isAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync('/proc/self/stat')) {
    try {
      const text = readFileSync(stat, 'utf8');
      const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Live host processes whose command line contains `text`. A build's processes have pids of their
 * own sandbox, so tests find them by a unique argument (`sleep 31337`) instead.
 */
export function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ');
      if (cmdline.includes(text) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/**
 * Build directories under a runner's work directory that a build used and that are still there.
 * A runner keeps one started, unused sandbox per slot (no scripts, an empty workspace): those are
 * not counted.
 */
export function usedBuildDirs(workDir: string): string[] {
  const builds = join(workDir, 'builds');
  if (!existsSync(builds)) return [];
  return readdirSync(builds).filter((name) =>
    ['ctl', 'workspace'].some((d) => {
      const dir = join(builds, name, d);
      return !existsSync(dir) || readdirSync(dir).length > 0;
    }),
  );
}

/** A number for `sleep <n>` that no other process on the machine has in its command line. */
export function uniqueSleep(): number {
  return 1_000_000 + Math.floor(Math.random() * 8_000_000);
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The part of a log between Kiln's step markers, without Kiln's own lines. */
export function outputLines(log: string): string[] {
  return log.split('\n').filter((l) => l !== '' && !l.startsWith('[kiln]') && !l.startsWith('$ git'));
}

/** Today's `yyyyMMdd` in UTC (test Kilns run in UTC). */
export function utcDayKey(ms = Date.now()): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Where a suite's builds run: its store, and the server's own runner or one over HTTP. */
export type Mode = { store: 'sqlite' | 'postgres'; runner: 'local' | 'remote' };

/** The four modes, each with whether it can run here (PostgreSQL needs KILN_TEST_DATABASE_URL). */
export const MODES: [string, Mode, boolean][] = [
  ['SQLite, local runner', { store: 'sqlite', runner: 'local' }, true],
  ['SQLite, remote runner', { store: 'sqlite', runner: 'remote' }, true],
  ['PostgreSQL, local runner', { store: 'postgres', runner: 'local' }, Boolean(TEST_DATABASE_URL)],
  ['PostgreSQL, remote runner', { store: 'postgres', runner: 'remote' }, Boolean(TEST_DATABASE_URL)],
];

/** A Kiln whose builds run on its own runner, or on a runner that speaks to it over HTTP. */
export async function startModeKiln(
  mode: Mode,
  options: Omit<TestKilnOptions, 'store' | 'runner' | 'clock'> = {},
  /** Where the remote runner finds the server (a proxy in between), given the server's URL. */
  route: (base: string) => string = (base) => base,
): Promise<{ ek: EngineKiln; close(): Promise<void> }> {
  if (mode.runner === 'local') {
    const ek = await startEngineKiln({ ...options, store: mode.store, runner: { slots: 2 } });
    return { ek, close: () => ek.close() };
  }
  const ek = await startEngineKiln({ ...options, store: mode.store, clock: TestClock.live() });
  await ek.kiln.engine.start();
  await ek.kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = ek.kiln.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const res = await ek.post('/v1/kiln/runners', { name: `remote-${mode.store}` });
  expect(res.statusCode, res.body).toBe(201);
  const peer = new HttpRunnerPeer(route(base), res.json().result.token);
  const runner = new Runner(peer, await testRunnerOptions(2));
  runner.start();
  return {
    ek,
    close: async () => {
      await runner.stop();
      // The stopped runner's kept-alive sockets can hold the in-process server's close open.
      ek.kiln.app.server.closeAllConnections();
      await ek.close();
    },
  };
}
