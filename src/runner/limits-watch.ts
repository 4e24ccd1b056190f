import { runCommand } from './launcher.ts';
import type { Sandbox } from './sandbox.ts';

/** A build's limits. */
export interface BuildLimits {
  /** Processes a build may have at once. */
  processes: number;
  /** Bytes a build may have on disk (workspace, HOME and /tmp); also the largest file it may write. */
  diskBytes: number;
}

/** What a limit hit says in the build log. */
export type LimitHit = { limit: 'processes' | 'disk'; message: string };

const MIB = 1024 * 1024;

/** Bytes as people read them. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * MIB ? `${(bytes / 1024 / MIB).toFixed(1)} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

/**
 * Checks a running build against its limits every `everyMs`: the processes in its sandbox (the
 * sandbox's rlimit makes forks fail at the cap; this says so in the log and stops the build), and
 * the disk its directories take (`du`: a build can fill a disk faster than any per-file limit
 * notices). Calls `onHit` once.
 */
export function watchLimits(
  sandbox: Sandbox,
  root: string,
  limits: BuildLimits,
  onHit: (hit: LimitHit) => void,
  everyMs = 2_000,
): { stop(): void } {
  let busy = false;
  let done = false;
  const check = async () => {
    if (busy || done) return;
    busy = true;
    try {
      const processes = sandbox.processes();
      if (processes !== undefined && processes >= limits.processes) {
        done = true;
        onHit({
          limit: 'processes',
          message: `the build reached its limit of ${limits.processes} processes (KILN_BUILD_MAX_PROCESSES); stopped`,
        });
        return;
      }
      // du's total stands when it could not read a file the build removed meanwhile (a non-zero exit).
      const { stdout } = await runCommand('du', ['-s', '-B1', '-x', root]).catch(() => ({ stdout: '' }));
      const used = Number(stdout.split('\t')[0]);
      if (!done && used > limits.diskBytes) {
        done = true;
        onHit({
          limit: 'disk',
          message: `the build's workspace, HOME and /tmp took ${formatBytes(used)}, more than its limit of ${formatBytes(limits.diskBytes)} (KILN_BUILD_MAX_DISK_BYTES); stopped`,
        });
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), everyMs);
  return {
    stop() {
      done = true;
      clearInterval(timer);
    },
  };
}
