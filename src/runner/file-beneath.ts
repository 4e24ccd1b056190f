import { closeSync, constants, fchownSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import type { Dirent } from 'node:fs';

/**
 * A file the runner reads or writes for a build: `path` (relative, `/`-separated) beneath `root`,
 * a directory of the runner's own (the build's workspace or HOME on the runner's disk, or a
 * scratch directory).
 *
 * Why not join them and open with O_NOFOLLOW: that guards only the last component. A build owns
 * everything beneath its directories and may put a symbolic link in place of any directory
 * there, and the runner (root when it is root) would follow it to a file of the host. So each
 * directory is opened on its own with O_NOFOLLOW | O_DIRECTORY, and the next name looked up in it
 * through /proc/self/fd/<fd>/<name> (Node has no openat): the kernel resolves the descriptor's
 * magic link to that very directory, whatever the path now names, and a link anywhere fails with
 * ELOOP or ENOTDIR.
 */
export interface FileBeneath {
  root: string;
  path: string;
}

/** Opens a directory, never through a link. */
export const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The names of a relative path; `..` is refused, empty and `.` parts are skipped. */
function namesOf(path: string): string[] {
  const names = path.split('/').filter((name) => name !== '' && name !== '.');
  if (names.includes('..')) throw new Error(`${path}: a path beneath a directory has no ..`);
  return names;
}

/** `name` in the directory open at `fd`. */
export const at = (fd: number, name: string): string => `/proc/self/fd/${fd}/${name}`;

/** Opens the directory `names` lead to beneath `root`, following no link. */
async function openDirectories(root: string, names: string[]): Promise<FileHandle> {
  let dir = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  for (const name of names) {
    try {
      const next = await open(at(dir.fd, name), DIRECTORY);
      await dir.close();
      dir = next;
    } catch (error) {
      await dir.close();
      throw error;
    }
  }
  return dir;
}

/** Opens `file` with `flags` (and `mode`), following no symbolic link on the way or at its end. */
export async function openBeneath(file: FileBeneath, flags: number, mode = 0o600): Promise<FileHandle> {
  const names = namesOf(file.path);
  const last = names.pop();
  if (last === undefined) throw new Error(`${file.path}: not a file beneath ${file.root}`);
  const dir = await openDirectories(file.root, names);
  try {
    return await open(at(dir.fd, last), flags | constants.O_NOFOLLOW, mode);
  } finally {
    await dir.close();
  }
}

/** Opens the directory `path` beneath `root` (root itself for ''), following no link. */
export function openDirectoryBeneath(root: string, path: string): Promise<FileHandle> {
  return openDirectories(root, namesOf(path));
}

/** The entries of an open directory. */
export function readOpenDirectory(dir: FileHandle): Promise<Dirent[]> {
  return readdir(`/proc/self/fd/${dir.fd}`, { withFileTypes: true });
}

/**
 * Writes `text` to `file` as a new file of `owner` (mode 0600), making its missing directories
 * (0755, `owner`'s) and replacing whatever is in the way, a link or a file where a directory goes
 * included: nothing followed, nothing outside `root` written or chowned.
 */
export function writeBeneathSync(
  file: FileBeneath,
  text: string,
  owner: { uid: number; gid: number } | undefined,
): void {
  const names = namesOf(file.path);
  const last = names.pop();
  if (last === undefined) throw new Error(`${file.path}: not a file beneath ${file.root}`);
  let dir = openSync(file.root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const name of names) {
      const next = openOrMakeDirectory(dir, name, owner);
      closeSync(dir);
      dir = next;
    }
    rmSync(at(dir, last), { force: true });
    const fd = openSync(
      at(dir, last),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(dir);
  }
}

/** The directory `name` in the directory open at `dir`, made (or put in place of a non-directory). */
function openOrMakeDirectory(
  dir: number,
  name: string,
  owner: { uid: number; gid: number } | undefined,
): number {
  try {
    return openSync(at(dir, name), DIRECTORY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') throw error;
    if (code !== 'ENOENT') rmSync(at(dir, name), { force: true });
  }
  mkdirSync(at(dir, name), { mode: 0o755 });
  const fd = openSync(at(dir, name), DIRECTORY);
  if (owner) fchownSync(fd, owner.uid, owner.gid);
  return fd;
}
