import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** Another process (or another server in this one) holds what this one was to use alone. */
export class InUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InUseError';
  }
}

/** A lock held until released or until the process ends, however it ends. */
export interface HeldLock {
  release(): void;
}

/**
 * Holds `file` for this process alone, or fails at once with InUseError(`inUse`). Node has no
 * flock, so the lock is SQLite's: an exclusive transaction left open on a database of its own.
 * SQLite takes it with POSIX locks, which the kernel drops when the process dies (kill -9, a
 * crash), so there is no stale lock file to clear by hand; and SQLite also tells two connections
 * of one process apart, so two servers started in one process are refused alike.
 */
export function holdLock(file: string, inUse: string): HeldLock {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(file, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new InUseError(inUse);
    throw error;
  }
  return { release: () => db.close() };
}

/**
 * Holds a runner's work directory: two runners in one (a second `kiln runner`, or a server's own
 * runner, with the same directory) would remove each other's workspaces as leftovers of a crash
 * and run builds as the same sandbox users. `setting` names where the directory was chosen.
 */
export function holdWorkDir(workDir: string, setting: string): HeldLock {
  return holdLock(
    join(workDir, 'runner.lock'),
    `another runner uses the work directory ${workDir}: stop it, or give this one its own (${setting})`,
  );
}
