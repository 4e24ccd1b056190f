import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cmd/config.ts';
import { startServer } from '../../src/cmd/serve.ts';
import { loginOver } from '../helpers/processes.ts';

// KILN_PASSWORD_COST: the N of new scrypt hashes, a warning below OWASP's minimum, and a user's
// hash of another cost replaced at their next sign-in, through a real server on loopback.

const dataDir = mkdtempSync(join(tmpdir(), 'kiln-password-cost-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The admin's stored hash's N, read from the SQLite file. */
function adminN(): number {
  const db = new Database(join(dataDir, 'kiln.db'), { readonly: true });
  try {
    const row = db.prepare("SELECT password_hash FROM users WHERE name = 'admin'").get() as {
      password_hash: string;
    };
    return Number(row.password_hash.split('$')[1]);
  } finally {
    db.close();
  }
}

/** Starts a server on the data directory with `cost`, signs in as admin, stops it; its warnings. */
async function signInWith(cost: string): Promise<string[]> {
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) },
  );
  const config = parseConfig({
    KILN_DATA_DIR: dataDir,
    KILN_PORT: '0',
    KILN_RUNNER_SLOTS: '0',
    KILN_ADMIN_PASSWORD: 'admin-password-1',
    KILN_PASSWORD_COST: cost,
  });
  const server = await startServer(config, { logger, notice: () => {} });
  try {
    expect(await loginOver(server.url, 'admin', 'admin-password-1')).toMatch(/\S{20,}/);
  } finally {
    await server.close();
  }
  return warnings;
}

describe('KILN_PASSWORD_COST', () => {
  it('hashes at the cost it names, warns below 17, and rehashes at the next sign-in when it changes', async () => {
    const first = await signInWith('11');
    expect(adminN()).toBe(2 ** 11);
    expect(first.filter((m) => m.includes('KILN_PASSWORD_COST is below 17'))).toHaveLength(1);

    await signInWith('12');
    expect(adminN()).toBe(2 ** 12);
  });

  it('is 17 unless set, and refuses a cost out of 10..18 saying so', () => {
    expect(parseConfig({}).passwordCost).toBe(17);
    for (const bad of ['9', '19', 'high'])
      expect(() => parseConfig({ KILN_PASSWORD_COST: bad })).toThrow(
        'KILN_PASSWORD_COST="' + bad + '": must be a whole number from 10 to 18',
      );
  });
});
