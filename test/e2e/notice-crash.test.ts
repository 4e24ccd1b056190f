import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/cli.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';

// A server killed with SIGKILL while it is delivering a notification (the receiver has the request
// and has not answered): the notification was committed with its event, so after a restart the
// server sends it again at once (its claim died with it), with the same X-Kiln-Delivery id, and the
// job's history shows it delivered.

const PASSWORD = 'notice-crash-password';
const dir = mkdtempSync(join(tmpdir(), 'kiln-notice-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('delivers after a restart the notification it was sending when it was killed', async () => {
  const got: { delivery: string; event: string }[] = [];
  const held: ServerResponse[] = [];
  let answer = false;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({
        delivery: String(req.headers['x-kiln-delivery']),
        event: JSON.parse(Buffer.concat(chunks).toString('utf8')).event,
      });
      if (answer) res.writeHead(200).end('{}');
      else held.push(res); // no answer: the server is mid-delivery
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const env = {
    KILN_DATA_DIR: join(dir, 'data'),
    KILN_PORT: String(await freePort()),
    KILN_ADMIN_PASSWORD: PASSWORD,
    KILN_RUNNER_SLOTS: '0',
    KILN_SERVER_NAME: 'notice-crash',
  };
  let server = await KilnProcess.serve(env);
  try {
    const token = await loginOver(server.url, 'admin', PASSWORD);
    const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
      server.url,
      token,
      'GET',
      '/v1/domain/project/related',
    );
    const created = await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
      project_id: projects.result.project_info_list[0]?.identifier,
      job_name: 'notice-crash',
      arch: 'x86-64',
      scms: [{ url: 'https://git.example.invalid/r.git', scm_type: 'git', branch: 'main' }],
      steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
    });
    const jobId = created.result.job_id;
    await api(server.url, token, 'POST', `/v3/jobs/notice/${jobId}/update`, {
      notice_type: 'WEBHOOK',
      enabled_event_type_names: ['forbiddenJob'],
      param_config: JSON.stringify({ webhook_url: hook }),
    });
    await api(server.url, token, 'POST', `/v3/jobs/${jobId}/disable`);
    await eventually(
      async () => held.length,
      (n) => n === 1,
      10_000,
      'the notification to reach the receiver',
    );

    await server.kill('SIGKILL');
    answer = true;
    for (const res of held) res.destroy();
    server = await KilnProcess.serve(env);
    await eventually(
      async () => got.length,
      (n) => n === 2,
      10_000,
      'the notification to come again after the restart',
    );
    expect(got[1]).toEqual(got[0]);
    expect(got[0]!.event).toBe('forbiddenJob');

    const again = await loginOver(server.url, 'admin', PASSWORD);
    const history = await api<{
      result: { notifications: { id: string; state: string; attempts: { ok: boolean; server: string }[] }[] };
    }>(server.url, again, 'GET', `/v1/kiln/jobs/${jobId}/notifications`);
    const [n] = history.result.notifications;
    expect(n).toMatchObject({ id: got[0]!.delivery, state: 'delivered' });
    // The killed attempt left no record; the one after the restart did.
    expect(n!.attempts).toMatchObject([{ ok: true, server: 'notice-crash' }]);
  } finally {
    await server.kill('SIGKILL');
    receiver.closeAllConnections();
    receiver.close();
  }
});
