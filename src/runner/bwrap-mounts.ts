import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The host's directories every sandbox mounts read-only (systemMounts), when they exist. */
export const SYSTEM_DIRS = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'];

/** A host directory no build may see, and what it is (for the message). */
export interface HiddenDir {
  path: string;
  what: string;
}

/**
 * A path with its links resolved as far as it exists: a directory not made yet (KILN_ARTIFACT_DIR
 * before the first start) is checked where its existing parent really is, which may be a link.
 */
function realPath(path: string): string {
  let rest = '';
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      return join(realpathSync(dir), rest);
    } catch {
      if (dirname(dir) === dir) return resolve(path);
      rest = join(basename(dir), rest);
    }
  }
}

/** True when `path` is `dir` or beneath it. */
function beneath(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

/** Host directories a sandbox shows, and where they are named (for the message). */
export interface ShownDirs {
  /**
   * The system directories that count (SYSTEM_DIRS): for a runner that is not root, whose builds
   * own its files; none for a root runner, whose data directory (0700 root) no build's user enters.
   */
  system: readonly string[];
  /** KILN_SANDBOX_READ_ONLY: every build reads them. */
  readOnly: string[];
  /** KILN_LOCAL_REPOSITORIES: the mirror keeper reads them, and clones any repository there for a job. */
  localRepositories: string[];
}

/**
 * Why a sandbox would show one of `hidden` (the runner's work directory, the server's data
 * directory: other builds' workspaces and scripts, kept workspaces, the database, the secret key),
 * or undefined: one lying in a directory every build sees (/usr, /etc, /opt, a
 * KILN_SANDBOX_READ_ONLY path) or that the mirror keeper reads for any job (a
 * KILN_LOCAL_REPOSITORIES path: a job naming another build's workspace as its repository got its
 * checkout), or holding one. Kiln installed in /opt with its default `./data` was that: with a
 * runner that is not root, the build owns every file of the runner's user there.
 */
export function exposedHiddenDir(hidden: HiddenDir[], shown: ShownDirs): string | undefined {
  const everyBuild = 'which every build sees (read-only): builds could read it';
  const outside = [
    ...(shown.system.length > 0 ? ['/usr, /etc, /opt'] : []),
    'the KILN_SANDBOX_READ_ONLY and KILN_LOCAL_REPOSITORIES directories',
  ].join(' and ');
  const visible = [
    ...shown.system
      .filter((dir) => existsSync(dir))
      .map((dir) => ({ dir, setting: 'the sandbox', why: everyBuild })),
    ...shown.readOnly.map((dir) => ({ dir, setting: 'KILN_SANDBOX_READ_ONLY', why: everyBuild })),
    ...shown.localRepositories.map((dir) => ({
      dir,
      setting: 'KILN_LOCAL_REPOSITORIES',
      why: 'whose repositories any job may name (KILN_LOCAL_REPOSITORIES): a build could check out what is there',
    })),
  ].map((v) => ({ ...v, real: realPath(v.dir) }));
  for (const { path, what } of hidden) {
    const real = realPath(path);
    for (const v of visible) {
      if (beneath(real, v.real))
        return `${what} ${path} lies in ${v.dir}, ${v.why}; put it outside ${outside}`;
      if (beneath(v.real, real))
        return `${v.setting} shows builds ${v.dir}, in ${what} ${path}: builds could read it; name directories outside it`;
    }
  }
  return undefined;
}

/**
 * The host's system directories, read-only: /usr and /etc (and /opt when present), the merged-/usr
 * links as links. Nothing else of the host exists in a sandbox unless the administrator names it.
 */
export function systemMounts(shmBytes: number): string[] {
  const args: string[] = [];
  for (const dir of ['/usr', '/etc', '/opt']) if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  for (const link of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    const stat = lstatSync(link, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) args.push('--symlink', readlinkSync(link), link);
    else if (stat?.isDirectory()) args.push('--ro-bind', link, link);
  }
  // /etc/resolv.conf may point into /run (systemd-resolved): make the name resolve.
  const resolv = lstatSync('/etc/resolv.conf', { throwIfNoEntry: false });
  if (resolv?.isSymbolicLink()) {
    const real = realpathSync('/etc/resolv.conf');
    if (!real.startsWith('/etc/') && !real.startsWith('/usr/')) args.push('--ro-bind', real, real);
  }
  // bwrap's /dev/shm is a directory of /dev: the build's to fill when /dev is (a user namespace),
  // root's alone otherwise. Its own tmpfs instead, writable by the build either way, of
  // KILN_BUILD_SHM_BYTES: it is memory, which the disk limit cannot count and which is charged to
  // no process (the kernel's OOM killer would pick the server or the runner, not the build).
  const shm = ['--perms', '1777', '--size', String(shmBytes), '--tmpfs', '/dev/shm'];
  // Directories bwrap would make for mount points are root's alone (0700): made here readable.
  return args.concat(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...shm,
    '--dir',
    '/home',
    '--dir',
    '/kiln',
    '--dir',
    '/var',
  );
}

/**
 * Host paths mounted read-only at the same place, with their parents made readable. They come
 * after the sandbox's own /tmp, so that a path under /tmp shows through it.
 */
export function readOnlyMounts(paths: string[]): string[] {
  const args: string[] = [];
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) args.push('--dir', `/${parts.slice(0, i).join('/')}`);
    args.push('--ro-bind-try', path, path);
  }
  return args;
}

/**
 * Last of a sandbox's mounts: its root and its /dev made read-only. Both are tmpfs that bwrap
 * makes, each as large as half the host's memory; in a user namespace (a runner that is not root)
 * they belong to the sandbox's user, who could fill them past the disk limit, which counts only
 * the build's own directories. Not recursive: the places mounted on them (the workspace, HOME,
 * /tmp, /dev/shm, the device nodes, /dev/pts) keep their own modes.
 */
export function readOnlyRoot(): string[] {
  return ['--remount-ro', '/dev', '--remount-ro', '/'];
}
