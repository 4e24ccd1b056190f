import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln tests` as a real process against a real `kiln serve` whose local runner runs builds that
// write a JUnit report (a shell step's report_path), one with a failing test and one without.

const report = (failing: boolean) =>
  `<testsuite name="s"><testcase classname="app.Calc" name="adds" time="0.25"/>` +
  (failing
    ? `<testcase classname="app.Calc" name="divides"><failure message="2 != 3">trace</failure></testcase>`
    : '') +
  `<testcase classname="app.Calc" name="later"><skipped/></testcase></testsuite>`;

describe('kiln tests, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;
  const jobs: Record<string, string> = {};

  const createJob = async (name: string, failing: boolean) => {
    const file = join(user.home, `${name}.json`);
    const command = `echo '${report(failing)}' > junit.xml`;
    writeFileSync(
      file,
      JSON.stringify({
        job_name: name,
        arch: 'x86-64',
        steps: [{ module_id: 'kiln.shell', name: 'test', properties: { command, report_path: 'junit.xml' } }],
      }),
    );
    const r = await user.run(['jobs', 'create', '-f', file, '--project', 'default']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const id = r.stdout.trim();
    const run = await user.run(['run', id, '--follow'], { env: {} });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    return id;
  };

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
    jobs.red = await createJob('cli-tests-red', true);
    jobs.green = await createJob('cli-tests-green', false);
  }, 120_000);
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  it('prints the counts and the cases, failures first, and exits 10 on a failing test', async () => {
    const r = await user.run(['tests', jobs.red!, '1']);
    expect(r.stdout).toContain('step 1 "test": 3 tests, 1 passed, 1 failed, 0 errors, 1 skipped\n');
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('│'));
    expect(rows[1]).toMatch(/│ failed +│ app\.Calc\.divides +│ 0 ms +│ 2 != 3 +│/);
    expect(rows[2]).toMatch(/│ passed +│ app\.Calc\.adds +│ 250 ms +│/);
    expect(r.stderr).toBe("kiln: 1 of build 1's 3 tests failed or were in error\n");
    expect(r.code).toBe(10);
  });

  it('exits 0 when every test passed or was skipped; filters by status; json and csv for scripts', async () => {
    const green = await user.run(['tests', jobs.green!, '1', '--status', 'skipped', '-o', 'json']);
    expect(green.code, green.stderr).toBe(0);
    expect(JSON.parse(green.stdout)).toEqual([
      expect.objectContaining({ class_name: 'app.Calc', name: 'later', status: 'skipped', step: 0 }),
    ]);
    const csv = await user.run(['tests', jobs.green!, '1', '-o', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe('step,suite,class_name,name,status,duration_ms,message');
    expect(csv.stdout).toContain('1,s,app.Calc,adds,passed,250,');
  });

  it('refuses an unknown status as a usage error', async () => {
    const r = await user.run(['tests', jobs.green!, '1', '--status', 'flaky']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--status <status>' argument 'flaky' is invalid. must be one of");
  });
});
