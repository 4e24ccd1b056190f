import { runCommand } from './launcher.ts';
import type { Sandbox } from './sandbox.ts';

/** A build's limits. */
export interface BuildLimits {
  /** Processes a build may have at once. */
  processes: number;
  /** Bytes a build may have on disk (workspace, HOME and /tmp); also the largest file it may write. */
  diskBytes: number;
  /** Files (and directories) a build may have on disk: each takes one of the disk's inodes. */
  files: number;
}

/** What a limit hit says in the build log. */
export type LimitHit = { limit: 'processes' | 'disk' | 'files'; message: string };

const MIB = 1024 * 1024;

/** Bytes as people read them. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * MIB ? `${(bytes / 1024 / MIB).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

/**
 * What a build takes on its disk, in one walk of its directories: the bytes (as `du` counts them:
 * a file with several links once) and the number of files, plus the files its processes hold open
 * that no directory shows any more (removed while open: they keep their blocks until closed, and
 * a build could fill the disk with them unseen). Only files on its directories' disk count.
 * $1 the build's directories, then where its processes' open files show (/proc/PID/fd, and
 * /proc/PID/map_files for files mapped and closed: one find for all). What the runner may not look
 * into is not counted: a non-root runner's non-dumpable processes, a descriptor in flight over a
 * socket, a directory the build made unreadable. Prints "bytes files".
 */
const DISK_USE_SCRIPT = `root=$1; shift
dev=$(stat -c %d -- "$root") || exit 1
{
  find "$root" -xdev -printf 'f %n %i %b\\n' 2>/dev/null
  [ $# -gt 0 ] && find -L "$@" -mindepth 1 -maxdepth 1 -type f -links 0 -printf 'd %D %i %b\\n' 2>/dev/null
} | awk -v dev="$dev" '
  $1 == "f" { if ($2 > 1 && seen["f" $3]++) next; blocks += $4; files++; next }
  $1 == "d" { if ($2 != dev || seen["d" $3]++) next; blocks += $4 }
  END { printf "%.0f %.0f\\n", blocks * 512, files }'
`;

/** The bytes and files a build takes (DISK_USE_SCRIPT), or undefined when it could not tell. */
async function diskUse(root: string, pids: number[]): Promise<{ bytes: number; files: number } | undefined> {
  const fds = pids.flatMap((pid) => [`/proc/${pid}/fd`, `/proc/${pid}/map_files`]);
  // The walk's total stands when it could not read a file the build removed meanwhile.
  const { stdout } = await runCommand('sh', ['-c', DISK_USE_SCRIPT, 'disk-use', root, ...fds]).catch(() => ({
    stdout: '',
  }));
  const [bytes, files] = stdout.trim().split(' ').map(Number);
  return Number.isFinite(bytes) && Number.isFinite(files)
    ? { bytes: bytes ?? 0, files: files ?? 0 }
    : undefined;
}

/**
 * Checks a running build against its limits: every `everyMs` the processes in its sandbox (the
 * sandbox's rlimit makes forks fail at the cap; this says so in the log and stops the build), and
 * the disk its directories take, in bytes and in files (a build can fill a disk, or use up its
 * inodes, faster than any per-file limit notices). The walk of a large tree takes a while: the
 * next walk waits at least five times as long as the last one took, so that the checks of a build
 * with a million files do not take a core (the process count, a few reads of /proc, goes on every
 * `everyMs`). Calls `onHit` once.
 */
export function watchLimits(
  sandbox: Sandbox,
  root: string,
  limits: BuildLimits,
  onHit: (hit: LimitHit) => void,
  everyMs = 2_000,
): { stop(): void } {
  let done = false;
  let walk: NodeJS.Timeout | undefined;
  const hit = (limit: LimitHit['limit'], message: string) => {
    if (done) return;
    stop();
    onHit({ limit, message });
  };
  const countProcesses = () => {
    const processes = sandbox.processes();
    if (processes !== undefined && processes >= limits.processes)
      hit(
        'processes',
        `the build reached its limit of ${limits.processes} processes (KILN_BUILD_MAX_PROCESSES); stopped`,
      );
  };
  const walkDisk = async () => {
    const startedAt = Date.now();
    const used = await diskUse(root, sandbox.pids());
    if (done) return;
    if (used && used.bytes > limits.diskBytes)
      return hit(
        'disk',
        `the build's workspace, HOME and /tmp took ${formatBytes(used.bytes)}, more than its limit of ${formatBytes(limits.diskBytes)} (KILN_BUILD_MAX_DISK_BYTES); stopped`,
      );
    if (used && used.files > limits.files)
      return hit(
        'files',
        `the build's workspace, HOME and /tmp held ${used.files} files, more than its limit of ${limits.files} (KILN_BUILD_MAX_FILES); stopped`,
      );
    walk = setTimeout(() => void walkDisk(), Math.max(everyMs, 5 * (Date.now() - startedAt)));
  };
  const processTimer = setInterval(countProcesses, everyMs);
  walk = setTimeout(() => void walkDisk(), everyMs);
  function stop() {
    done = true;
    clearInterval(processTimer);
    clearTimeout(walk);
  }
  return { stop };
}
