import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln jobs schedules` as a real process against a real `kiln serve` whose KILN_TIMEZONE is
// Asia/Tokyo: each timer with its cron, its zone (the server's, or its own) and when it builds next,
// in that zone's offset; a disabled job's timers say they will not fire.

let server: ServerProcess;
let user: CliUser;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_TIMEZONE: 'Asia/Tokyo' } });
  user = cliUser(server);
  await user.login();
}, 60_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

it("lists a job's timers with their zones and next times, and none while the job is disabled", async () => {
  const file = join(user.home, 'timed.json');
  writeFileSync(
    file,
    JSON.stringify({
      job_name: 'timed',
      steps: [{ module_id: 'kiln.shell', name: 'say', properties: { command: 'echo hi' } }],
      triggers: [
        { name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] },
        {
          name: 'hudson.triggers.TimerTrigger',
          parameters: [
            { name: 'spec', value: '15 10 * * *' },
            { name: 'timeZoneId', value: 'Asia/Kolkata' },
          ],
        },
      ],
    }),
  );
  const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
  const rows = JSON.parse((await user.run(['jobs', 'schedules', id, '-o', 'json'])).stdout) as {
    cron: string;
    time_zone: string;
    own_time_zone: boolean;
    next_due_time: string;
  }[];
  expect(rows.map((r) => [r.cron, r.time_zone, r.own_time_zone])).toEqual([
    ['0 3 * * *', 'Asia/Tokyo', false],
    ['15 10 * * *', 'Asia/Kolkata', true],
  ]);
  expect(rows[0]!.next_due_time).toMatch(/T03:00:00\+09:00$/);
  expect(rows[1]!.next_due_time).toMatch(/T10:15:00\+05:30$/);
  const table = (await user.run(['jobs', 'schedules', id])).stdout;
  expect(table).toMatch(/│ 0 3 \* \* \* +│ Asia\/Tokyo \(server's\) +│ \S+T03:00:00\+09:00 +│/);
  expect(table).toMatch(/│ 15 10 \* \* \* +│ Asia\/Kolkata +│ \S+T10:15:00\+05:30 +│/);
  expect((await user.run(['jobs', 'disable', id])).code).toBe(0);
  const off = (await user.run(['jobs', 'schedules', id])).stdout;
  expect(off.match(/not while the job is disabled/g)).toHaveLength(2);
});
