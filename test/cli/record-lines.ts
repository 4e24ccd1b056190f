import { createHash } from 'node:crypto';
import type { BuildInfoRecord } from '../../src/contract/records.ts';

/** First build of every sample history: 2024-03-01 00:00:00 UTC. */
export const SAMPLE_START = Date.UTC(2024, 2, 1);
/** Builds are 30 minutes apart: 48 a day. */
export const SAMPLE_SPACING_MS = 30 * 60_000;

const STATES = ['SUCCESS', 'FAILURE', 'SUCCESS', 'ABORTED', 'timeout'] as const;
const TRIGGERS = ['Manual', 'Scheduled', 'CodeUpdate'] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Build `n` of a sample history, as the records API shows a finished build. Every seventh one
 * carries text that CSV must quote (comma, quote, line break).
 */
export function sampleRecord(n: number): BuildInfoRecord {
  const start = SAMPLE_START + (n - 1) * SAMPLE_SPACING_MS;
  const day = new Date(start);
  const daily = `${day.getUTCFullYear()}${pad(day.getUTCMonth() + 1)}${pad(day.getUTCDate())}.${((n - 1) % 48) + 1}`;
  const commit = createHash('sha1').update(String(n)).digest('hex');
  const tricky = n % 7 === 0;
  return {
    number: n,
    build_time: 60_000 + n,
    start_time: start,
    job_running_status: 'Finished',
    state: STATES[n % STATES.length] ?? 'SUCCESS',
    user_id: 'u'.repeat(32),
    executor: 'alice',
    nickname: tricky ? 'Alice "the builder", QA\nteam' : 'Alice',
    daily_build_number: daily,
    trigger_type: TRIGGERS[n % TRIGGERS.length] ?? 'Manual',
    cost_time: 90_000 + n,
    commit_id: commit,
    commit_info: { commit_id: commit, created_at: '2024-02-29T23:00:00.000+00:00' },
    build_type: 'branch',
    code_branch: tricky ? 'feature/a,b' : 'main',
    scm_type: 'github',
    scm_web_url: 'https://github.com/acme/app',
    commit_detail_url: `https://github.com/acme/app/commit/${commit}`,
  };
}

/** Builds 1..n as JSON lines (oldest first, as an export from elsewhere might come). */
export function sampleLines(n: number, from = 1): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify(sampleRecord(from + i)));
}
