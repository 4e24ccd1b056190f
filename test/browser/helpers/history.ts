import type { BuildInfoRecord } from '../../../src/contract/records.ts';

/**
 * Made-up build history for the import API (POST /v1/kiln/jobs/{job_id}/import, NDJSON of
 * BuildInfoRecord): finished builds spaced evenly back from `newest`, every 7th one failed.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** yyyyMMdd of an instant in UTC (the server's default zone). */
function utcDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** One record; `n` is the build number, `startTime` when it was triggered. */
export function historyRecord(n: number, startTime: number, dailyIndex: number): BuildInfoRecord {
  const failed = n % 7 === 0;
  const buildTime = 20_000 + ((n * 7919) % 40_000);
  const commit = (n * 2654435761).toString(16).padStart(8, '0').slice(-8).repeat(5);
  return {
    number: n,
    build_time: buildTime,
    start_time: startTime,
    job_running_status: 'Finished',
    state: failed ? 'FAILURE' : 'SUCCESS',
    user_id: '0'.repeat(32),
    executor: 'importer',
    nickname: 'Importer',
    daily_build_number: `${utcDay(startTime)}.${dailyIndex}`,
    trigger_type: n % 3 === 0 ? 'Scheduled' : 'Manual',
    cost_time: buildTime + 1_500,
    commit_id: commit,
    commit_info: { commit_id: commit, created_at: '2024-01-01T00:00:00.000+00:00' },
    build_type: 'branch',
    code_branch: 'main',
    scm_type: 'git',
    scm_web_url: '',
    commit_detail_url: '',
  };
}

/**
 * NDJSON of `count` builds numbered `first`.., the newest (highest number) at `newest`, one every
 * `spacingMs` going back; daily numbers count per UTC day, oldest first.
 */
export function* historyLines(
  first: number,
  count: number,
  newest: number,
  spacingMs: number,
): Generator<string> {
  let day = '';
  let daily = 0;
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const start = newest - (count - 1 - i) * spacingMs;
    const d = utcDay(start);
    daily = d === day ? daily + 1 : 1;
    day = d;
    yield JSON.stringify(historyRecord(n, start, daily));
  }
}

/** Sends NDJSON lines to the import API in parts of `partLines`; returns how many were imported. */
export async function importHistory(
  url: string,
  token: string,
  jobId: string,
  lines: Iterable<string>,
  partLines = 50_000,
): Promise<number> {
  let imported = 0;
  let part: string[] = [];
  let firstLine = 1;
  const send = async () => {
    if (part.length === 0) return;
    const res = await fetch(`${url}/v1/kiln/jobs/${jobId}/import?first_line=${firstLine}`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/x-ndjson' },
      body: `${part.join('\n')}\n`,
    });
    if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
    imported += ((await res.json()) as { result: { imported: number } }).result.imported;
    firstLine += part.length;
    part = [];
  };
  for (const line of lines) {
    part.push(line);
    if (part.length >= partLines) await send();
  }
  await send();
  return imported;
}
