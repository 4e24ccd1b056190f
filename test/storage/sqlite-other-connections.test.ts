import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { newId32 } from '../../src/domain/ids.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { Storage } from '../../src/storage/ports.ts';

/**
 * Another connection to a running Kiln's database (docs/deployment.md's online backup,
 * `sqlite3 kiln.db ".backup ..."`, or a look with `sqlite3`) must not take its WAL away. SQLite
 * knows it is not the last connection by the lock Kiln's holds on the database file. Kiln once
 * opened and closed that file itself after SQLite had opened it (to make it private), and closing
 * any descriptor of a file drops every POSIX lock the process holds on it: from a restart on, the
 * next sqlite3 to close checkpointed and deleted the live WAL, and later commits went to a deleted
 * file (no backup or reader saw them, and a crash lost them).
 */

let dir = '';
let open: Storage | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Whether this process holds a POSIX lock on the file (Linux's /proc/locks). */
function locked(path: string): boolean {
  const { ino } = statSync(path);
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((l) => l.includes(` ${process.pid} `) && l.includes(`:${ino} `));
}

const domain = (name: string) => ({ id: newId32(), name, createdAt: Date.now() });
const SQLITE3 = '/usr/bin/sqlite3';

it('a restarted store holds its lock, keeps its WAL and has its commits seen while sqlite3 comes and goes', async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-wal-'));
  const path = join(dir, 'kiln.db');
  const first = await createSqliteStorage({ path });
  await first.domains.insert(domain('before-restart'));
  expect(locked(path)).toBe(true);
  await first.close();

  open = await createSqliteStorage({ path });
  await open.domains.insert(domain('after-restart'));
  expect(locked(path)).toBe(true);

  // The documented backup's side: Debian's sqlite3 (.ci/run installs it) deleted the WAL here.
  if (!existsSync(SQLITE3)) return;
  const count = (name: string) =>
    Number(
      execFileSync(SQLITE3, [path, `select count(*) from domains where name = '${name}'`], {
        encoding: 'utf8',
      }),
    );
  expect(count('after-restart')).toBe(1);
  expect(existsSync(`${path}-wal`)).toBe(true);
  await open.domains.insert(domain('after-the-look'));
  expect(count('after-the-look')).toBe(1);
  const backup = join(dir, 'backup.db');
  execFileSync(SQLITE3, [path, `.backup '${backup}'`]);
  await open.domains.insert(domain('after-the-backup'));
  execFileSync(SQLITE3, [path, `.backup '${join(dir, 'backup-2.db')}'`]);
  expect(
    execFileSync(SQLITE3, [join(dir, 'backup-2.db'), 'select name from domains order by name'], {
      encoding: 'utf8',
    }),
  ).toBe('after-restart\nafter-the-backup\nafter-the-look\nbefore-restart\n');
});
