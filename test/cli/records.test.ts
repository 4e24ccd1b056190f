import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildInfoRecord } from '../../src/contract/records.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';
import { sampleLines, sampleRecord } from './record-lines.ts';

const TOTAL = 1_200;

const CSV_HEADER =
  'number,build_time,start_time,job_running_status,state,user_id,executor,nickname,daily_build_number,' +
  'trigger_type,cost_time,commit_id,commit_created_at,build_type,code_branch,scm_type,scm_web_url,commit_detail_url';

/** RFC 4180 rows (quoted fields may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += ch;
    }
  }
  return rows;
}

const jsonl = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as BuildInfoRecord);

describe('kiln records and a round trip through kiln import-records, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;
  let jobA: string;
  let exportA: string;

  const newJob = async (name: string) => {
    const path = join(user.home, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        job_name: name,
        arch: 'x86-64',
        steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'true' } }],
      }),
    );
    const r = await user.run(['jobs', 'create', '-f', path, '--project', 'default']);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
    jobA = await newJob('records-a');
    const history = join(user.home, 'history.jsonl');
    writeFileSync(history, `${sampleLines(TOTAL).join('\n')}\n`);
    const imported = await user.run(['import-records', '--job', jobA, history]);
    if (imported.code !== 0) throw new Error(imported.stderr);
  });
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  it('shows the newest page as a table for people, with the paging state on stderr', async () => {
    const r = await user.run(['records', jobA]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^│ \d+/.test(l));
    expect(rows).toHaveLength(10);
    expect(r.stdout).toMatch(
      /number.*daily number.*state.*trigger.*executor.*branch.*commit.*triggered.*duration/,
    );
    const newest = sampleRecord(TOTAL);
    expect(rows[0]).toContain(`${newest.number}`);
    expect(rows[0]).toContain(newest.daily_build_number);
    expect(rows[0]).toContain(newest.commit_id.slice(0, 8));
    expect(rows[0]).toContain(new Date(newest.start_time).toISOString());
    expect(rows[0]).toContain('1 min 1 s');
    expect(r.stderr).toContain('page 0 of pages 0-119, 1200 records');
  });

  it('writes CSV with a header of every field and RFC 4180 quoting', async () => {
    const r = await user.run(['records', jobA, '--format', 'csv', '--page', '1', '--page-size', '7']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`${CSV_HEADER}\r\n`)).toBe(true);
    const [header, ...rows] = parseCsv(r.stdout);
    expect(header).toEqual(CSV_HEADER.split(','));
    expect(rows.map((row) => Number(row[0]))).toEqual([1193, 1192, 1191, 1190, 1189, 1188, 1187]);
    // 1190 is a multiple of 7: its nickname holds a quote, a comma and a line break.
    const tricky = rows.find((row) => row[0] === '1190');
    const expected = sampleRecord(1190);
    expect(tricky).toEqual([
      ...[expected.number, expected.build_time, expected.start_time, expected.job_running_status].map(String),
      expected.state,
      expected.user_id,
      expected.executor,
      'Alice "the builder", QA\nteam',
      expected.daily_build_number,
      expected.trigger_type,
      String(expected.cost_time),
      expected.commit_id,
      expected.commit_info.created_at,
      expected.build_type,
      'feature/a,b',
      expected.scm_type,
      expected.scm_web_url,
      expected.commit_detail_url,
    ]);
    expect(r.stdout).toContain('"Alice ""the builder"", QA\nteam"');
  });

  it('writes each record exactly as the API returns it in jsonl, -o being --format', async () => {
    const r = await user.run(['records', jobA, '-o', 'jsonl', '--page-size', '3']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(jsonl(r.stdout)).toEqual([sampleRecord(1200), sampleRecord(1199), sampleRecord(1198)]);
  });

  it('pages through more than 1,000 records with --all, newest first', async () => {
    const r = await user.run(['records', jobA, '--all', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    exportA = r.stdout;
    const records = jsonl(r.stdout);
    expect(records).toHaveLength(TOTAL);
    expect(records.map((x) => x.number)).toEqual(Array.from({ length: TOTAL }, (_, i) => TOTAL - i));
    expect(records[TOTAL - 1]).toEqual(sampleRecord(1));
  });

  it('narrows the window by dates: a bare --until date means its last second', async () => {
    // 48 builds a day from 2024-03-01: 2024-03-02 holds builds 49..96.
    const r = await user.run([
      'records',
      jobA,
      '--since',
      '2024-03-02',
      '--until',
      '2024-03-02',
      '--all',
      '-o',
      'csv',
    ]);
    expect(r.code).toBe(0);
    const numbers = parseCsv(r.stdout)
      .slice(1)
      .map((row) => Number(row[0]));
    expect(numbers).toEqual(Array.from({ length: 48 }, (_, i) => 96 - i));
    const exact = await user.run([
      'records',
      jobA,
      '--since',
      '2024-03-02 00:30:00',
      '--until',
      '2024-03-02 01:00:00',
      '-o',
      'jsonl',
    ]);
    expect(jsonl(exact.stdout).map((x) => x.number)).toEqual([51, 50]);
  });

  it('refuses bad times, pages and mixed options with a usage error that says the format', async () => {
    const badTime = await user.run(['records', jobA, '--since', '2024-02-30']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('not a real calendar time');
    const badFormat = await user.run(['records', jobA, '--until', '03/02/2024']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('use "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd"');
    const reversed = await user.run(['records', jobA, '--since', '2024-03-02', '--until', '2024-03-01']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('--since 2024-03-02 00:00:00 is after --until 2024-03-01 23:59:59');
    const bigPage = await user.run(['records', jobA, '--page-size', '101']);
    expect(bigPage.code).toBe(2);
    expect(bigPage.stderr).toContain('must be a whole number from 1 to 100');
    const both = await user.run(['records', jobA, '--format', 'csv', '-o', 'jsonl']);
    expect(both.code).toBe(2);
  });

  it('round-trips: jsonl imported into another job reads back identical, from a file or stdin', async () => {
    expect(exportA).toBeTruthy();
    const jobB = await newJob('records-b');
    const file = join(user.home, 'export-a.jsonl');
    writeFileSync(file, exportA);
    const fromFile = await user.run(['import-records', '--job', jobB, file]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^imported 1,200, skipped 0 \(already present\) in \d+\.\ds\n$/);

    const jobC = await newJob('records-c');
    const fromStdin = await user.run(['import-records', '--job', jobC], { stdin: exportA });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/^imported 1,200, skipped 0 /);

    for (const job of [jobB, jobC]) {
      const back = await user.run(['records', job, '--format', 'jsonl', '--all']);
      expect(back.code).toBe(0);
      expect(back.stdout).toBe(exportA);
    }
  });
});
