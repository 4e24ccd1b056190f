import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';
import { sampleLines } from './record-lines.ts';

describe('kiln import-records, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;
  let jobCount = 0;

  const newJob = async () => {
    const path = join(user.home, 'job.yaml');
    writeFileSync(
      path,
      `job_name: import-${++jobCount}\narch: x86-64\nsteps:\n  - {module_id: kiln.shell, name: b, properties: {command: 'true'}}\n`,
    );
    const r = await user.run(['jobs', 'create', '-f', path, '--project', 'default']);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };
  const numbers = async (job: string) => {
    const r = await user.run(['records', job, '--all', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    return r.stdout
      .trimEnd()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { number: number }).number);
  };

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
  });
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  it('stops at a bad line in a later part, names it, and a re-run of the fixed file completes the import', async () => {
    const job = await newJob();
    // 3,000 records with a blank line (line 1,001) so line numbers and record numbers differ by one
    // after it: the server must number lines across parts from first_line.
    const lines = sampleLines(3_000);
    lines.splice(1_000, 0, '');
    const badLine = 1_700; // record 1,699
    const good = lines[badLine - 1] as string;
    lines[badLine - 1] = good.replace('"state":"', '"state":"BROKEN');
    const file = join(user.home, 'bad.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const failed = await user.run(['import-records', '--job', job, file, '--part-lines', '400']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain(`line ${badLine}: field state must be one of`);
    // Parts of lines 1-400 ... 1201-1600 were committed (1,599 records: one line is blank), then
    // the part from line 1601 stored the 99 records before the bad line.
    expect(failed.stderr).toContain('stored so far, all parts: imported 1,698, skipped 0 (already present)');
    expect(failed.stderr).toContain('fix that line and run the same command again');
    expect(await numbers(job)).toHaveLength(1_698);

    lines[badLine - 1] = good;
    writeFileSync(file, `${lines.join('\n')}\n`);
    const rerun = await user.run(['import-records', '--job', job, file, '--part-lines', '400']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/^imported 1,302, skipped 1,698 \(already present\) in \d+\.\ds\n$/);
    const stored = await numbers(job);
    expect(stored).toHaveLength(3_000);
    expect(new Set(stored).size).toBe(3_000);
  });

  it('reads stdin when FILE is - or missing, with one request for the default part size', async () => {
    const job = await newJob();
    const text = `${sampleLines(250).join('\n')}\n`;
    const r = await user.run(['import-records', '--job', job, '-'], { stdin: text });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^imported 250, skipped 0 \(already present\) in \d+\.\ds\n$/);
    const again = await user.run(['import-records', '--job', job], { stdin: text });
    expect(again.stdout).toMatch(/^imported 0, skipped 250 /);
  });

  it('takes a last line without a line end, and stops at a bad line in the first part', async () => {
    const job = await newJob();
    const noEnd = await user.run(['import-records', '--job', job, '--part-lines', '2'], {
      stdin: sampleLines(5).join('\n'),
    });
    expect(noEnd.code).toBe(0);
    expect(noEnd.stdout).toMatch(/^imported 5, skipped 0 /);

    const notJson = await user.run(['import-records', '--job', job], {
      stdin: `${sampleLines(1, 6)[0]}\n{oops\n`,
    });
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('line 2 is not valid JSON');
    expect(notJson.stderr).toContain('stored so far, all parts: imported 1, skipped 0');
  });

  it('says what is wrong with a missing file, an unknown job or a bad job id', async () => {
    const job = await newJob();
    const missing = await user.run(['import-records', '--job', job, join(user.home, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.jsonl: no such file');

    const unknown = await user.run(['import-records', '--job', '0'.repeat(32)], { stdin: sampleLines(1)[0] });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('job not found');

    const badId = await user.run(['import-records', '--job', 'nope'], { stdin: '' });
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('is not a job id');
  });
});
