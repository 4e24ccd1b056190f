import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';

/** The data directory: only Kiln's user may list or enter it. */
export const DATA_DIR_MODE = 0o700;
/** Files that hold secrets (the database, its WAL and shared memory, the secret key). */
export const PRIVATE_FILE_MODE = 0o600;

/** The files Kiln keeps in its data directory that hold secrets. */
const PRIVATE_FILES = ['kiln.db', 'kiln.db-wal', 'kiln.db-shm', 'secret.key'];

/**
 * Takes away what `mode` does not grant from an existing file or directory. Returns true when it
 * did; false when it was already that tight or does not exist.
 */
export function tighten(path: string, mode: number): boolean {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if ((current & ~mode) === 0) return false;
  chmodSync(path, current & mode);
  return true;
}

/** True when this server keeps files in the data directory (the SQLite default, a generated key, workspaces, artifacts). */
export function usesDataDir(config: Config): boolean {
  return (
    config.databaseUrl === undefined ||
    config.secretKey === undefined ||
    config.artifactDir === undefined ||
    (config.runnerSlots > 0 && config.workDir === undefined)
  );
}

/**
 * Makes the data directory private before anything is written to it: created 0700, or an existing
 * one (made by an earlier Kiln, or by hand) tightened to 0700, and the secret files already in it
 * to 0600. Tightening only takes permissions away from Kiln's own files, so it is done rather than
 * warned about; the caller logs what changed. Returns the paths tightened.
 */
export function secureDataDir(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const changed = tighten(dir, DATA_DIR_MODE) ? [dir] : [];
  for (const name of PRIVATE_FILES) {
    const file = join(dir, name);
    if (tighten(file, PRIVATE_FILE_MODE)) changed.push(file);
  }
  return changed;
}
