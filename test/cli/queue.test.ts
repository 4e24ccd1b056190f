import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln queue` as a real process against a real `kiln serve` whose own runner has one slot: one
// build runs, the next waits behind it.

let server: ServerProcess;
let user: CliUser;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '1' } });
  user = cliUser(server);
  await user.login();
}, 60_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

it('lists the running build with its runner, then the waiting one with its place', async () => {
  const file = join(user.home, 'sleeper.json');
  writeFileSync(
    file,
    JSON.stringify({
      job_name: 'sleeper',
      steps: [{ module_id: 'kiln.shell', name: 'sleep', properties: { command: 'sleep 30' } }],
    }),
  );
  const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
  expect((await user.run(['run', id])).code).toBe(0);
  expect((await user.run(['run', id])).code).toBe(0);
  let rows: { status: string; position: number; build_number: number; runner: string }[] = [];
  for (let i = 0; i < 50; i++) {
    rows = JSON.parse((await user.run(['queue', '-o', 'json'])).stdout);
    if (rows[0]?.status === 'running') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(rows.map((r) => [r.build_number, r.status, r.position])).toEqual([
    [1, 'running', 0],
    [2, 'queued', 1],
  ]);
  expect(rows[0]!.runner).not.toBe('');
  const table = (await user.run(['queue'])).stdout;
  expect(table).toMatch(/│ running +│ sleeper +│ 1 +│ \S+ +│/);
  expect(table).toMatch(/│ 1 +│ sleeper +│ 2 +│ any runner +│/);
  for (const n of ['1', '2']) await user.run(['stop', id, n]);
});
