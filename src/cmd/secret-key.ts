import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR_MODE, PRIVATE_FILE_MODE, tighten } from './data-dir.ts';

/**
 * The embedded default's secret key: generated once into the data directory (mode 0600) and read
 * back on every start, so secrets stored encrypted stay readable across restarts.
 */
export function readOrCreateSecretKey(dataDir: string): string {
  const file = join(dataDir, 'secret.key');
  try {
    const key = readFileSync(file, 'utf8').trim();
    tighten(file, PRIVATE_FILE_MODE);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${key}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    return key;
  } catch (error) {
    // Another process created it first; use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}
