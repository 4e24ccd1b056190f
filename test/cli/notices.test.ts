import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';
import { startReceiver, type Receiver } from '../helpers/notice-receiver.ts';

// `kiln jobs notices`, `kiln jobs notifications`, `kiln jobs watch` and `kiln inbox` as real
// processes against a real `kiln serve` whose runner runs the job: a channel set, tested, turned
// off; a build's end delivered to a loopback receiver and to the inbox.

let server: ServerProcess;
let user: CliUser;
let receiver: Receiver;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '1' } });
  user = cliUser(server);
  await user.login();
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
  await receiver?.close();
});

it("sets, tests and turns off a job's channels; lists what was sent and the inbox", async () => {
  const file = join(user.home, 'told.json');
  writeFileSync(
    file,
    JSON.stringify({
      job_name: 'told',
      steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
    }),
  );
  const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
  const channels = async () =>
    JSON.parse((await user.run(['jobs', 'notices', id, '--show-secrets', '-o', 'json'])).stdout) as {
      notice_type: string;
      enable_map: Record<string, boolean>;
      param_config: string | null;
    }[];

  const set = await user.run([
    'jobs',
    'notices',
    id,
    '--set',
    'webhook',
    '--events',
    'buildJobSuccess,buildFixed',
    '--url',
    `${receiver.url}/cli`,
    '--secret',
    'cli-secret',
  ]);
  expect(set.code, set.stderr).toBe(0);
  expect(set.stdout).toMatch(/WEBHOOK\s+│\s+buildJobSuccess,buildFixed/);
  expect(set.stdout).toContain('"secret":"(hidden)"');
  const hook = (await channels()).find((c) => c.notice_type === 'WEBHOOK')!;
  expect(hook.enable_map).toMatchObject({ buildJobSuccess: true, buildFixed: true, buildJobFail: false });
  expect(JSON.parse(hook.param_config!)).toEqual({
    webhook_url: `${receiver.url}/cli`,
    secret: 'cli-secret',
  });
  expect(
    (await user.run(['jobs', 'notices', id, '--set', 'MESSAGE', '--events', 'buildJobSuccess'])).code,
  ).toBe(0);

  const test = await user.run(['jobs', 'notices', id, '--test', 'WEBHOOK']);
  expect(test).toMatchObject({ code: 0, stdout: 'delivered (200)\n' });
  const failing = await user.run(['jobs', 'notices', id, '--test', 'SLACK']);
  expect(failing.code).toBe(1);
  expect(failing.stderr).toContain("the test failed: the job's SLACK notice has no webhook_url");
  const bad = await user.run(['jobs', 'notices', id, '--set', 'pigeon']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('pigeon is not a channel: DING_TALK, MAIL, MESSAGE, SLACK, WEBHOOK');
  const badEvent = await user.run(['jobs', 'notices', id, '--set', 'WEBHOOK', '--events', 'explode']);
  expect(badEvent.code).toBe(1);
  expect(badEvent.stderr).toContain('unknown events explode');

  expect((await user.run(['run', id, '--follow'])).code).toBe(0);
  await receiver.waitFor(2);
  expect(JSON.parse(receiver.received[1]!.body)).toMatchObject({
    event: 'buildJobSuccess',
    build: { number: 1 },
  });
  let sent: { notice_type: string; state: string; attempts: unknown[] }[] = [];
  for (let i = 0; i < 50 && sent[0]?.state !== 'delivered'; i++) {
    sent = JSON.parse((await user.run(['jobs', 'notifications', id, '-o', 'json'])).stdout);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(sent).toMatchObject([
    { notice_type: 'WEBHOOK', state: 'delivered', attempts: [{ ok: true, status_code: 200 }] },
  ]);

  const inbox = await user.run(['inbox', '--unread']);
  expect(inbox.code, inbox.stderr).toBe(0);
  expect(inbox.stdout).toContain('Build #1 of told succeeded');
  const read = await user.run(['inbox', '--read-all', '--unread', '--email', 'me@example.com']);
  expect(read.stderr).toContain('Mail goes to: me@example.com');
  expect(read.stderr).toMatch(/[1-9]\d* marked read/);
  expect(read.stdout).toBe('(none)\n');

  expect((await user.run(['jobs', 'watch', id])).stdout).toBe('watching: yes\n'); // its creator
  const off = await user.run(['jobs', 'notices', id, '--off', 'WEBHOOK']);
  expect(off.stdout).toMatch(/WEBHOOK\s+│\s+off/);
});

it('takes a secret from stdin with --secret -, signs with it and never prints it', async () => {
  const file = join(user.home, 'signed.json');
  writeFileSync(
    file,
    JSON.stringify({
      job_name: 'signed',
      steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
    }),
  );
  const id = (await user.run(['jobs', 'create', '-f', file, '--project', 'default'])).stdout.trim();
  const secret = 'piped s3cret, not in ps';
  const setArgs = ['jobs', 'notices', id, '--set', 'WEBHOOK', '--events', 'buildJobFail'];
  const url = `${receiver.url}/signed`;

  const set = await user.run([...setArgs, '--url', url, '--secret', '-'], { stdin: `${secret}\n` });
  expect(set.code, set.stderr).toBe(0);
  expect(set.stdout).toContain('"secret":"(hidden)"');
  const listings = await Promise.all(
    ['table', 'json', 'csv', 'jsonl'].map((o) => user.run(['jobs', 'notices', id, '-o', o])),
  );
  for (const r of [set, ...listings]) {
    expect(r.stdout + r.stderr).not.toContain('s3cret');
  }

  // Stored as piped (the trailing newline dropped), as the job's manager reads it back.
  const stored = async () => {
    const shown = await user.run(['jobs', 'notices', id, '--show-secrets', '-o', 'json']);
    const hook = (JSON.parse(shown.stdout) as { notice_type: string; param_config: string }[]).find(
      (c) => c.notice_type === 'WEBHOOK',
    )!;
    return JSON.parse(hook.param_config) as unknown;
  };
  expect(await stored()).toEqual({ webhook_url: url, secret });

  // And the receiver's delivery is signed with it.
  const before = receiver.received.length;
  expect(await user.run(['jobs', 'notices', id, '--test', 'WEBHOOK'])).toMatchObject({ code: 0 });
  await receiver.waitFor(before + 1);
  const delivery = receiver.received.filter((r) => r.path === '/signed').at(-1)!;
  expect(delivery.headers['x-kiln-signature-256']).toBe(
    `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`,
  );

  // Nothing piped: refused, the stored secret kept.
  const empty = await user.run([...setArgs, '--url', url, '--secret', '-']);
  expect(empty.code).toBe(1);
  expect(empty.stderr).toBe(
    'kiln: Secret for WEBHOOK is required (pipe it on stdin or pass it as an option)\n',
  );
  expect(await stored()).toEqual({ webhook_url: url, secret });
});
