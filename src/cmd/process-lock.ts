import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { rootMessage, StartRefusedError } from './start-refused.ts';

/** Another process (or another server in this one) holds what this one was to use alone. */
export class InUseError extends StartRefusedError {}

/** A lock held until released or until the process ends, however it ends. */
export interface HeldLock {
  release(): void;
}

/** What to say when the lock is held, and which setting named the place. */
interface LockPlace {
  inUse: string;
  setting: string;
}

/**
 * Holds `file` for this process alone, or fails at once with InUseError(`inUse`), or with a
 * StartRefusedError naming `setting` when its directory cannot be made or written. Node has no
 * flock, so the lock is SQLite's: an exclusive transaction left open on a database of its own.
 * SQLite takes it with POSIX locks, which the kernel drops when the process dies (kill -9, a
 * crash), so there is no stale lock file to clear by hand; and SQLite also tells two connections
 * of one process apart, so two servers started in one process are refused alike. Two ways to lose
 * it early: dropping the returned lock (the collected connection is closed, and frees it), and a
 * plain open and close of `file` elsewhere in the process (POSIX drops a process's locks on a file
 * at any close of it; only SQLite's own connections know to wait).
 */
export function holdLock(file: string, place: LockPlace): HeldLock {
  let db: BetterSqlite3.Database | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    db = new BetterSqlite3(file, { timeout: 0 });
    db.exec('BEGIN EXCLUSIVE');
    return { release: () => db?.close() };
  } catch (error) {
    db?.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY') throw new InUseError(place.inUse);
    // The directory or the file could not be made or opened (ENOTDIR, EACCES, SQLITE_CANTOPEN...):
    // the setting is what to look at. Anything else is no fault of the setting.
    if (typeof code !== 'string' || !/^(E[A-Z]+|SQLITE_(CANTOPEN|READONLY|PERM|IOERR.*))$/.test(code))
      throw error;
    throw new StartRefusedError(
      `cannot write in ${dirname(file)} (${rootMessage(error)}): ${place.setting} must name a directory Kiln may create and write`,
      { cause: error },
    );
  }
}

/**
 * Holds a runner's work directory: two runners in one (a second `kiln runner`, or a server's own
 * runner, with the same directory) would remove each other's workspaces as leftovers of a crash
 * and run builds as the same sandbox users. `setting` names where the directory was chosen.
 */
export function holdWorkDir(workDir: string, setting: string): HeldLock {
  return holdLock(join(workDir, 'runner.lock'), {
    inUse: `another runner uses the work directory ${workDir}: stop it, or give this one its own (${setting})`,
    setting,
  });
}
