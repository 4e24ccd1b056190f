import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln files list` ("the domain's files") against a real `kiln serve` whose file manager holds
// more files than one page of ListKeystoreSearch: every file is listed, as `kiln jobs list` and
// `kiln bin list` read every page, not the first 100 without a word.

let server: ServerProcess;
let user: CliUser;
let token = '';

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '0' } });
  user = cliUser(server);
  await user.login();
  token = JSON.parse(readFileSync(join(user.home, '.config', 'kiln', 'credentials.json'), 'utf8')).token;
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
