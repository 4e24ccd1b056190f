import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln templates list` ("the official templates, then the domain's own") against a real
// `kiln serve` whose domain has more templates than one page of ListTemplates: every one of the
// domain's templates is listed, not the first 100 without a word.

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
