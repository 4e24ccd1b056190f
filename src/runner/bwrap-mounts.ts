import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';

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
