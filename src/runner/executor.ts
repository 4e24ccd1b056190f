import { spawn } from 'node:child_process';
import type { Command, ExecResult } from './sandbox.ts';

/** A program to run as a plain process. */
export interface ExecSpec extends Command {
  /**
   * How stderr joins the output. `shell` (the default): a shell in front of the program joins it
   * to stdout at the file-descriptor level, so the two stay in the order they were written.
   * `program`: the program does that itself (a script that starts with `exec 2>&1`). `apart`: it
   * is read from a pipe of its own, so its lines may come before or after stdout's; for a program
   * that writes to only one of the two (`git checkout --quiet`). Without the shell a build's
   * critical path starts one process less.
   */
  stderr?: 'shell' | 'program' | 'apart';
}

/** Grace between SIGTERM and SIGKILL when a build is stopped. */
const KILL_GRACE_MS = 2_000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * The error of a program that could not start, without Node's `spawnargs`: the arguments may hold
 * secrets (a repository URL with credentials), and loggers print every property of an error.
 */
function withoutArguments(err: NodeJS.ErrnoException): NodeJS.ErrnoException {
  const { errno, code, syscall, path } = err;
  return Object.assign(new Error(err.message), { errno, code, syscall, path });
}

/**
 * Runs each program as the leader of a new process group, with stderr joined to stdout at the
 * file-descriptor level (so the two stay in the order they were written). Stopping signals the
 * whole group: SIGTERM, then SIGKILL after a grace period. When the program exits, whatever it
 * left running in the background is killed too. A process that leaves the group with setsid
 * escapes: this is no sandbox (KILN_SANDBOX=off only).
 */
export class ProcessExecutor {
  exec(spec: ExecSpec, onOutput: (data: Buffer) => void, signal: AbortSignal): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const stderr = spec.stderr ?? 'shell';
      const [file, args] =
        stderr === 'shell'
          ? ['/bin/sh', ['-c', 'exec "$@" 2>&1', 'kiln-exec', spec.file, ...spec.args]]
          : [spec.file, spec.args];
      const child = spawn(file, args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', 'pipe', stderr === 'apart' ? 'pipe' : 'ignore'],
      });
      let forceKill: NodeJS.Timeout | undefined;
      const stop = () => {
        if (child.pid === undefined) return;
        killGroup(child.pid, 'SIGTERM');
        forceKill = setTimeout(
          () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'),
          KILL_GRACE_MS,
        );
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      const pipes = [child.stdout, child.stderr].filter((pipe) => pipe !== null);
      let open = pipes.length;
      let drained = false;
      let onDrained: (() => void) | undefined;
      for (const pipe of pipes) {
        pipe.on('data', (d: Buffer) => onOutput(d));
        pipe.once('close', () => {
          if (--open > 0) return;
          drained = true;
          onDrained?.();
        });
      }
      child.on('error', (err: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', stop);
        reject(withoutArguments(err));
      });
      child.on('exit', (code, sig) => {
        signal.removeEventListener('abort', stop);
        clearTimeout(forceKill);
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        // Output already in the pipe still arrives; wait for it, but not for a straggler that
        // escaped the group and keeps the pipe open.
        const finish = () => resolve({ exitCode: code, signal: sig });
        if (drained) return finish();
        const settle = setTimeout(finish, 1_000);
        onDrained = () => {
          clearTimeout(settle);
          finish();
        };
      });
    });
  }
}
