import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/cmd/config.ts';
import { startServer } from '../../src/cmd/serve.ts';

// The data directory holds the SQLite database (every stored secret, sealed or hashed) and the
// generated secret key that unseals them: only Kiln's user may read any of it, whatever the umask,
// and a directory an earlier Kiln left readable is tightened at start.

let root: string;
let umask: number;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kiln-modes-'));
  umask = process.umask(0o022); // the common default, under which files come out world-readable
});
afterAll(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Starts a server on `dataDir`, checks the modes while it runs (SQLite removes -wal and -shm at close). */
async function expectPrivateWhileRunning(dataDir: string): Promise<void> {
  const config = parseConfig({
    KILN_DATA_DIR: dataDir,
    KILN_PORT: '0',
    KILN_RUNNER_SLOTS: '0',
    KILN_ADMIN_PASSWORD: 'admin-password-1',
    KILN_PASSWORD_COST: '10',
  });
  const server = await startServer(config, {
    logger: pino({ level: 'silent' }),
    notice: () => {},
  });
  try {
    expect(mode(dataDir)).toBe('700');
    for (const file of ['kiln.db', 'kiln.db-wal', 'kiln.db-shm', 'secret.key'])
      expect([file, mode(join(dataDir, file))]).toEqual([file, '600']);
  } finally {
    await server.close();
  }
}

it('creates the data directory 0700 and the database, its WAL and shm files and the secret key 0600', async () => {
  const dataDir = join(root, 'fresh', 'data');
  await expectPrivateWhileRunning(dataDir);
});

it('tightens a data directory and files that others could read', async () => {
  const dataDir = join(root, 'loose');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o777);
  writeFileSync(join(dataDir, 'secret.key'), 'a-key-written-by-hand-0123456789\n', { mode: 0o644 });
  for (const file of ['kiln.db', 'kiln.db-wal', 'kiln.db-shm'])
    closeSync(openSync(join(dataDir, file), 'w', 0o666));
  chmodSync(join(dataDir, 'kiln.db'), 0o666);
  await expectPrivateWhileRunning(dataDir);
  // Started again, it finds everything as it left it.
  await expectPrivateWhileRunning(dataDir);
});
