import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln files` at its edges, as real processes against a real `kiln serve`.

let server: ServerProcess;
let user: CliUser;

beforeAll(async () => {
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '0' } });
  user = cliUser(server);
  await user.login();
}, 60_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

// docs/cli.md, files: "`download` writes it (to its name, or `--output-file PATH`) readable by you
// alone". src/cli/commands/files.ts writes with writeFile(target, data, { mode: 0o600 }), and a
// mode applies only to a file it creates: downloading a keystore over an existing 0644 file (an
// old copy, a placeholder) leaves the secret readable by everyone.
it('a download over an existing file leaves it readable by its owner alone', async () => {
  const path = join(user.home, 'settings.xml');
  writeFileSync(path, '<settings><password>secret</password></settings>\n');
  const up = await user.run(['files', 'upload', path]);
  expect(up.code, up.stderr).toBe(0);

  const target = join(user.home, 'existing.xml');
  writeFileSync(target, 'placeholder\n');
  chmodSync(target, 0o644);
  const down = await user.run(['files', 'download', 'settings.xml', '-o', target]);
  expect(down.code, down.stderr).toBe(0);
  expect(readFileSync(target, 'utf8')).toContain('secret');
  expect(statSync(target).mode & 0o777).toBe(0o600);
});

// A file name with a non-ASCII letter is refused by the server, but the message garbles the name:
// the CLI sends it UTF-8 in the multipart filename (src/client/kiln-client.ts multipartForm) and
// the server reads it as Latin-1, so `tëst.xml` is reported as `tÃ«st.xml`, a name the user never
// wrote.
it('a refused non-ASCII file name is quoted as the user wrote it', async () => {
  const path = join(user.home, 'tëst.xml');
  writeFileSync(path, '<x/>\n');
  const up = await user.run(['files', 'upload', path]);
  expect(up.code).toBe(1);
  expect(up.stderr).not.toContain('Ã');
  expect(up.stderr).toContain('"tëst.xml"');
});
