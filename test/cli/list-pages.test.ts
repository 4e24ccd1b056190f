import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Kiln } from '../../src/client/kiln-client.ts';
import { fillInbox, signedInClient } from '../browser/helpers/kiln-api.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// The CLI's lists against a real `kiln serve` holding more than one page of what they list: every
// file (`kiln files list`, ListKeystoreSearch), every one of the domain's templates (`kiln
// templates list`, ListTemplates) and every message (`kiln inbox`, ListInbox) is listed, as `kiln
// jobs list` and `kiln bin list` read every page, not the first 100 without a word.

let server: ServerProcess;
let user: CliUser;
let token = '';
let client: Kiln;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '0' } });
  user = cliUser(server);
  await user.login();
  token = JSON.parse(readFileSync(join(user.home, '.config', 'kiln', 'credentials.json'), 'utf8')).token;
  ({ client } = await signedInClient(server.url, 'admin', server.adminPassword));
}, 60_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

it('lists all 105 files of the domain', async () => {
  for (let i = 0; i < 105; i++) {
    const form = new FormData();
    form.set('privacy', 'private');
    form.set('file', new Blob([`file ${i}\n`]), `settings-${String(i).padStart(3, '0')}.xml`);
    const res = await fetch(`${server.url}/v2/keystore/upload`, {
      method: 'POST',
      headers: { 'x-auth-token': token },
      body: form,
    });
    expect(res.status, await res.text()).toBe(200);
  }
  const listed = await user.run(['files', 'list', '-o', 'json']);
  expect(listed.code, listed.stderr).toBe(0);
  const names = (JSON.parse(listed.stdout) as { keystore_name: string }[]).map((f) => f.keystore_name);
  expect(names).toHaveLength(105);
  expect(names).toContain('settings-104.xml');
  expect(names).toContain('settings-000.xml');
});

it("lists all 103 of the domain's templates", async () => {
  for (let i = 0; i < 103; i++) {
    const res = await fetch(`${server.url}/v1/template/create`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `team-template-${String(i).padStart(3, '0')}`,
        description: 'a template of the team',
        template: { steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } }] },
      }),
    });
    expect(res.status, await res.text()).toBe(200);
  }
  const listed = await user.run(['templates', 'list', '-o', 'json']);
  expect(listed.code, listed.stderr).toBe(0);
  const custom = (JSON.parse(listed.stdout) as { scope: string; name: string }[]).filter(
    (t) => t.scope === 'custom',
  );
  expect(custom.map((t) => t.name).sort()).toEqual(
    Array.from({ length: 103 }, (_, i) => `team-template-${String(i).padStart(3, '0')}`),
  );
});

const CHANGES = 105;

it(`lists all ${CHANGES} messages of the inbox, newest first`, { timeout: 120_000 }, async () => {
  await fillInbox(client, CHANGES);
  const listed = await user.run(['inbox', '-o', 'json']);
  expect(listed.code, listed.stderr).toBe(0);
  const messages = JSON.parse(listed.stdout) as { id: string; created_at: number }[];
  expect(messages).toHaveLength(CHANGES);
  expect(new Set(messages.map((m) => m.id)).size).toBe(CHANGES);
  const times = messages.map((m) => m.created_at);
  expect(times).toEqual([...times].sort((a, b) => b - a));
});
