import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { createShellJob, projectId, signedInClient } from '../browser/helpers/kiln-api.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln inbox` against a real `kiln serve` whose inbox holds more messages than one page of
// ListInbox: every message is listed (it read the newest 100 and dropped the rest without a word).

const CHANGES = 105;
let server: ServerProcess;
let user: CliUser;
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '0' } });
  user = cliUser(server);
  await user.login();
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
  const job = await createShellJob(client, await projectId(client), 'often-changed', ['true']);
  // Each change of the job is a message in its creator's inbox ("Job changed" on the Inbox channel).
  await client.updateNotice({
    params: { job_id: job },
    body: { notice_type: 'MESSAGE', enabled_event_type_names: ['updateConfigJob'] },
  });
  const doc = (await client.listJobConfig({ params: { job_id: job } })).result;
  for (let i = 0; i < CHANGES; i++) await client.updateBuildJob({ body: { ...doc, job_id: job } });
  for (let tries = 0; (await client.listInbox({ query: {} })).result.total < CHANGES; tries++) {
    if (tries > 300) throw new Error(`the ${CHANGES} inbox messages never came`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 120_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

it(`lists all ${CHANGES} messages of the inbox, newest first`, async () => {
  const listed = await user.run(['inbox', '-o', 'json']);
  expect(listed.code, listed.stderr).toBe(0);
  const messages = JSON.parse(listed.stdout) as { id: string; created_at: number }[];
  expect(messages).toHaveLength(CHANGES);
  expect(new Set(messages.map((m) => m.id)).size).toBe(CHANGES);
  const times = messages.map((m) => m.created_at);
  expect(times).toEqual([...times].sort((a, b) => b - a));
});
