import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln files` as real processes against a real `kiln serve`: upload, list, give rights, download
// (0600), take rights, delete.

let server: ServerProcess;
let user: CliUser;

beforeAll(async () => {
  // A zone other than UTC, so that a time shown in the server's zone is told from one in UTC.
  server = await startServerProcess({ env: { KILN_RUNNER_SLOTS: '0', KILN_TIMEZONE: 'Asia/Shanghai' } });
  user = cliUser(server);
  await user.login();
}, 60_000);
afterAll(async () => {
  user?.cleanup();
  await server?.stop();
});

it('uploads, lists, shares, downloads and deletes a file of the file manager', async () => {
  const path = join(user.home, 'settings.xml');
  writeFileSync(path, '<settings><password>p</password></settings>\n');
  const up = await user.run(['files', 'upload', path, '--description', 'maven settings']);
  expect(up.code, up.stderr).toBe(0);
  expect(up.stdout.trim()).toMatch(/^[0-9a-z]{32}$/);
  const listed = JSON.parse((await user.run(['files', 'list', '-o', 'json'])).stdout);
  expect(listed).toMatchObject([
    { keystore_name: 'settings.xml', description: 'maven settings', size: 44, share: 0 },
  ]);
  expect((await user.run(['files', 'list'])).stdout).toMatch(/settings\.xml.*usage,modify,delete,setting/);

  const users = await user.run(['users', 'create', 'files-dev', '-p', 'files-dev-pass-1']);
  expect(users.code, users.stderr).toBe(0);
  const given = await user.run([
    'files',
    'rights',
    'settings.xml',
    '--give',
    'files-dev',
    '--rights',
    'usage,modify',
  ]);
  expect(given.code, given.stderr).toBe(0);
  expect(given.stdout).toBe('admin: creator (every right)\nfiles-dev: usage,modify\n');
  const bad = await user.run(['files', 'rights', 'settings.xml', '--give', 'files-dev', '--rights', 'fly']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('no right fly (rights: usage, modify, delete, setting)');

  const target = join(user.home, 'copy.xml');
  const down = await user.run(['files', 'download', 'settings.xml', '-o', target]);
  expect(down.code, down.stderr).toBe(0);
  expect(readFileSync(target, 'utf8')).toBe('<settings><password>p</password></settings>\n');
  expect(statSync(target).mode & 0o777).toBe(0o600);

  expect((await user.run(['files', 'rights', 'settings.xml', '--take', 'files-dev'])).stdout).toBe(
    'admin: creator (every right)\n',
  );
  expect((await user.run(['files', 'delete', 'settings.xml'])).code).toBe(0);
  const gone = await user.run(['files', 'download', 'settings.xml']);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain('the file manager has no file named settings.xml');
});

// docs/cli.md, files: "`download` writes it (to its name, or `--output-file PATH`) readable by you
// alone", over an existing 0644 file too (a mode given to writeFile applies only to a file it
// creates: a keystore downloaded over an old copy was readable by everyone).
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

// A file name with a non-ASCII letter is refused by the server, quoted as written: the CLI sends it
// UTF-8 in the multipart filename, which the server read as Latin-1 (`tÃ«st.xml`).
it('a refused non-ASCII file name is quoted as the user wrote it', async () => {
  const path = join(user.home, 'tëst.xml');
  writeFileSync(path, '<x/>\n');
  const up = await user.run(['files', 'upload', path]);
  expect(up.code).toBe(1);
  expect(up.stderr).not.toContain('Ã');
  expect(up.stderr).toContain('"tëst.xml"');
});

// docs/cli.md, Output formats: "Times in tables are UTC". The table showed the API's update_time,
// which is CodeArts' "2024-9-23 17:42" in the server's time zone (KILN_TIMEZONE), without a zone.
it("lists a file's last change in UTC", async () => {
  const path = join(user.home, 'zone.xml');
  writeFileSync(path, '<x/>\n');
  expect((await user.run(['files', 'upload', path])).code).toBe(0);
  const listed = JSON.parse((await user.run(['files', 'list', '--search', 'zone', '-o', 'json'])).stdout);
  const utc = new Date(Number(listed[0].update_time_stamp) * 1000).toISOString();
  const table = await user.run(['files', 'list', '--search', 'zone']);
  expect(table.stdout).toContain('changed (UTC)');
  expect(table.stdout).toContain(`${utc} by admin`);
});
