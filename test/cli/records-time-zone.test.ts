import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';
import { sampleRecord } from './record-lines.ts';

// A server 14 hours ahead of UTC reads query times on its own clock: `kiln records` without
// --until must still show a build started a minute ago (UTC "now" would be 14 hours in its past).

let server: ServerProcess;
let user: CliUser;
let job: string;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_TIMEZONE: 'Pacific/Kiritimati' } });
  user = cliUser(server);
  await user.login();
  const spec = join(user.home, 'job.json');
  writeFileSync(
    spec,
    JSON.stringify({
      job_name: 'zoned',
      arch: 'x86-64',
      steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'true' } }],
    }),
  );
  const created = await user.run(['jobs', 'create', '-f', spec, '--project', 'default']);
  if (created.code !== 0) throw new Error(created.stderr);
  job = created.stdout.trim();
  const history = join(user.home, 'history.jsonl');
  const recent = { ...sampleRecord(1), start_time: Date.now() - 60_000 };
  writeFileSync(history, `${JSON.stringify(recent)}\n`);
  const imported = await user.run(['import-records', '--job', job, history]);
  if (imported.code !== 0) throw new Error(imported.stderr);
});
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

it("takes the default --until as now on the server's clock, in its time zone", async () => {
  const r = await user.run(['records', job, '--format', 'jsonl']);
  expect(r.code, r.stderr).toBe(0);
  const numbers = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { number: number }).number);
  expect(numbers).toEqual([1]);
});
