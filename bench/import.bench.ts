import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { newRecordId } from '../src/domain/ids.ts';
import { freePort } from '../test/helpers/cli.ts';
import { historyLines } from '../test/browser/helpers/history.ts';
import { createShellJob, projectId, signedInClient } from '../test/browser/helpers/kiln-api.ts';
import { KILN_BIN, startProcess, type Served } from './lib/processes.ts';

/**
 * The import benchmark (issue 12): N builds (default 1,000,000) sent to `kiln serve` on SQLite
 * through the import API (`POST /v1/kiln/jobs/{id}/import`, NDJSON parts of 50,000 lines, as
 * `kiln import-records` and the dashboard benchmark send them), against a baseline measured in the
 * same run: the same rows into the same schema (a fresh Kiln database) with bare better-sqlite3,
 * JSON.parse of each line and one prepared INSERT per row (the line kept as the build's record, as
 * Kiln keeps each record), one transaction per 5,000 rows (Kiln's batch), no HTTP, no validation;
 * and the same without the kept records, for reference. The lines are made before either clock
 * starts.
 * The machine is shared: baseline and Kiln run alternately, KILN_BENCH_ROUNDS times (default 2),
 * and the best of each is compared, both in wall time and in CPU time (the bare insert's process;
 * Kiln's server process, from /proc), the steadier figure when other work shares the cores.
 * Prints every time, the ratios (goal <= 2x) and the
 * server's RSS and V8 heap during each import: the peak, and the peak of the last tenth against
 * the first tenth (flat memory: about the same).
 *
 * Run with `npm run bench:import` (it builds the server first). KILN_BENCH_BUILDS picks another size.
 */
const BUILDS = Number(process.env.KILN_BENCH_BUILDS ?? 1_000_000);
const ROUNDS = Number(process.env.KILN_BENCH_ROUNDS ?? 2);
const PART = 50_000;
const BATCH = 5_000;
const PASSWORD = 'bench-admin-password';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A run's wall and CPU time, in ms. */
interface Times {
  wall: number;
  cpu: number;
}

/** CPU time (user + system) of process `pid` so far, in ms. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in 1/100 s
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** The NDJSON parts, made up front: evenly over the last 7 days, newest a minute ago. */
function makeParts(): string[] {
  const spacing = Math.floor((7 * 86_400_000 - 3_600_000) / BUILDS);
  const parts: string[] = [];
  let part: string[] = [];
  for (const line of historyLines(1, BUILDS, Date.now() - 60_000, spacing)) {
    part.push(line);
    if (part.length === PART) {
      parts.push(`${part.join('\n')}\n`);
      part = [];
    }
  }
  if (part.length > 0) parts.push(`${part.join('\n')}\n`);
  return parts;
}

/** A `kiln serve` on SQLite in `dir` with no local runner, and a job to import into. */
async function kilnWithJob(dir: string): Promise<{ kiln: Served; jobId: string; token: string }> {
  const port = await freePort();
  const kiln = await startProcess(
    [KILN_BIN, 'serve'],
    {
      KILN_DATA_DIR: dir,
      KILN_PORT: String(port),
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_RUNNER_SLOTS: '0',
      KILN_LOG_LEVEL: 'warn',
    },
    port,
    '/readyz',
  );
  const { client, token } = await signedInClient(kiln.url, 'admin', PASSWORD);
  const jobId = await createShellJob(client, await projectId(client), 'imported', ['true']);
  return { kiln, jobId, token };
}

/** RSS from /proc and the V8 heap from /metrics, sampled every 250 ms. */
function sampleMemory(pid: number, url: string) {
  const samples: Array<{ rss: number; heap: number }> = [];
  let heap = 0;
  const timer = setInterval(() => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    samples.push({ rss: m ? Number(m[1]) * 1024 : 0, heap });
    void fetch(`${url}/metrics`)
      .then((r) => r.text())
      .then((text) => {
        const h = /^kiln_nodejs_heap_size_used_bytes (\d+)/m.exec(text);
        if (h) heap = Number(h[1]);
      })
      .catch(() => undefined);
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      const tenth = Math.max(1, Math.floor(samples.length / 10));
      const peak = (xs: typeof samples, k: 'rss' | 'heap') => Math.max(...xs.map((s) => s[k]));
      const first = samples.slice(0, tenth);
      const last = samples.slice(-tenth);
      return {
        rss: peak(samples, 'rss'),
        heap: peak(samples, 'heap'),
        rssFirst: peak(first, 'rss'),
        rssLast: peak(last, 'rss'),
        heapFirst: peak(first, 'heap'),
        heapLast: peak(last, 'heap'),
      };
    },
  };
}

/** Kiln: the parts over HTTP, one after the other. */
async function importIntoKiln(parts: string[]): Promise<Times> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-import-'));
  const { kiln, jobId, token } = await kilnWithJob(dir);
  try {
    const memory = sampleMemory(kiln.child.pid!, kiln.url);
    const cpu0 = cpuOf(kiln.child.pid!);
    const t0 = performance.now();
    let imported = 0;
    let firstLine = 1;
    for (const body of parts) {
      const res = await fetch(`${kiln.url}/v1/kiln/jobs/${jobId}/import?first_line=${firstLine}`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/x-ndjson' },
        body,
      });
      if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
      imported += ((await res.json()) as { result: { imported: number } }).result.imported;
      firstLine += PART;
    }
    const elapsed = performance.now() - t0;
    const cpu = cpuOf(kiln.child.pid!) - cpu0;
    const m = memory.stop();
    if (imported !== BUILDS) throw new Error(`imported ${imported} of ${BUILDS}`);
    console.log(`kiln: ${imported.toLocaleString()} builds in ${secs(elapsed)} (server CPU ${secs(cpu)})`);
    console.log(
      `kiln server during the import: RSS peak ${mb(m.rss)} (first tenth ${mb(m.rssFirst)}, last tenth ${mb(m.rssLast)}); ` +
        `V8 heap used peak ${mb(m.heap)} (first tenth ${mb(m.heapFirst)}, last tenth ${mb(m.heapLast)})`,
    );
    return { wall: elapsed, cpu };
  } finally {
    await kiln.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The baseline: the same lines into a fresh Kiln database (same table, indexes, triggers), bare.
 * With `keepRecords` it writes the same rows as Kiln: Kiln keeps each finished build's record
 * beside it (`record_json`), and a bare importer given records keeps the line it was given (the
 * import format is the record's: the same fields, about the same bytes). Without, the narrower
 * rows of before records were kept, shown for reference.
 */
async function importBare(parts: string[], keepRecords: boolean): Promise<Times> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-import-bare-'));
  const { kiln, jobId } = await kilnWithJob(dir);
  await kiln.stop();
  const db = new BetterSqlite3(join(dir, 'kiln.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const insert = db.prepare(`insert into builds (id, job_id, number, daily_build_number, start_time,
      run_started_at, finished_at, running_status, state, trigger_type, user_id, executor, nickname,
      commit_id, commit_time, commit_message, build_type, code_branch, scm_type, scm_web_url,
      build_time, cost_time, parameters, requested_commit, log_size, cancel_requested, record_json, record_format)
      values (?, ?, ?, ?, ?, ?, ?, 'Finished', ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, '[]', '', 0, 0, ?, ?)`);
    type Line = Record<string, string | number> & { commit_info: { created_at: string } };
    const store = db.transaction((rows: [Line, string][]) => {
      for (const [r, text] of rows) {
        const start = r.start_time as number;
        insert.run(
          newRecordId(), // the same ids as Kiln's: the same rows
          jobId,
          r.number,
          r.daily_build_number,
          start,
          start + (r.cost_time as number) - (r.build_time as number),
          start + (r.cost_time as number),
          r.state,
          r.trigger_type,
          r.user_id,
          r.executor,
          r.nickname,
          r.commit_id,
          Date.parse(r.commit_info.created_at),
          r.build_type,
          r.code_branch,
          r.scm_type,
          r.scm_web_url,
          r.build_time,
          r.cost_time,
          keepRecords ? text : null,
          keepRecords ? 1 : null,
        );
      }
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const body of parts) {
      let batch: [Line, string][] = [];
      for (const line of body.split('\n')) {
        if (line === '') continue;
        batch.push([JSON.parse(line) as Line, line]);
        if (batch.length === BATCH) {
          store(batch);
          batch = [];
        }
      }
      if (batch.length > 0) store(batch);
    }
    const elapsed = performance.now() - t0;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1000;
    const n = (db.prepare('select count(*) as n from builds where job_id = ?').get(jobId) as { n: number }).n;
    if (n !== BUILDS) throw new Error(`baseline stored ${n} of ${BUILDS}`);
    console.log(
      `baseline (bare better-sqlite3${keepRecords ? '' : ', without the kept records'}): ${n.toLocaleString()} builds in ${secs(elapsed)} (CPU ${secs(cpu)})`,
    );
    return { wall: elapsed, cpu };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const parts = makeParts();
console.log(
  `${BUILDS.toLocaleString()} builds, ${parts.length} parts of up to ${PART.toLocaleString()} lines`,
);
const bare: Times[] = [];
const narrow: Times[] = [];
const kiln: Times[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`round ${round} of ${ROUNDS}`);
  bare.push(await importBare(parts, true));
  narrow.push(await importBare(parts, false));
  kiln.push(await importIntoKiln(parts));
}
for (const k of ['wall', 'cpu'] as const) {
  const b = Math.min(...bare.map((t) => t[k]));
  const w = Math.min(...narrow.map((t) => t[k]));
  const o = Math.min(...kiln.map((t) => t[k]));
  console.log(
    `${k === 'wall' ? 'wall time' : 'CPU time '}, best of ${ROUNDS}: baseline ${secs(b)}, kiln ${secs(o)}; ` +
      `kiln / baseline: x${(o / b).toFixed(2)} (goal <= 2); ` +
      `against the rows without the kept records (${secs(w)}): x${(o / w).toFixed(2)}`,
  );
}
