import { randomBytes } from 'node:crypto';
import { chownSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandMarker } from './command-marker.ts';
import { launch, type LaunchedProcess } from './launcher.ts';
import { childrenOf, descendants, signalAll } from './process-tree.ts';
import type { Command, ExecResult } from './sandbox.ts';

/**
 * The supervisor: a small bash that runs inside a sandbox for its whole life and starts each
 * command the runner asks for. Starting a sandbox costs about 10 ms here; starting a process from
 * a small shell costs less than from the large runner process, so one sandbox per build with a
 * supervisor is cheaper than a sandbox per command.
 *
 * Protocol: the runner first writes the marker on stdin (never an argument: `ps` in a step would
 * show it), then a command name per command (`<session id>-<number>`); the command's cwd, how to
 * run it (`exec`, or `source` for a script of Kiln's own that the supervisor's shell runs itself, a
 * process less), argv and environment are in `<ctl>/.<name>.cmd` and `<ctl>/.<name>.env`,
 * NUL-separated, written by the runner (the build cannot change them: ctl is read-only inside);
 * nothing the supervisor itself was given is exported, so the command's environment is exactly
 * that file. The command runs with stderr joined to stdout; when it ends, everything else in the
 * sandbox is killed (what a step leaves behind does not outlive it, as a process group would not),
 * then `<marker> <exit code>` follows on stdout. SIGTERM is for the command: the supervisor catches
 * it and carries on. The supervisor forks the command's shell only once it has read its name, so
 * that between commands it has no child: the runner checks that from outside (see settle).
 *
 * $1 ctl directory, $2 most processes (empty: no cap), $3 largest file in KiB (empty).
 */
export const SUPERVISOR = `ctl=$1
IFS= read -r marker || exit 97
[ -z "$2" ] || ulimit -u "$2" || exit 97
[ -z "$3" ] || ulimit -f "$3" || exit 97
trap : TERM
for v in $(compgen -e); do export -n "$v"; done
while IFS= read -r n; do
  (
    exec </dev/null
    mapfile -d '' -t argv < "$ctl/.$n.cmd" || exit 127
    while IFS= read -r -d '' kv; do export "$kv"; done < "$ctl/.$n.env"
    cd -- "\${argv[0]}" || exit 126
    if [ "\${argv[1]}" = source ]; then set -- "\${argv[@]:3}"; exec 2>&1; . "\${argv[2]}"; exit; fi
    exec "\${argv[@]:2}" 2>&1
  )
  code=$?
  kill -KILL -1 2>/dev/null
  printf '%s %d\\n' "$marker" "$code"
done
`;

/** Grace between SIGTERM and SIGKILL when a command is stopped. */
const KILL_GRACE_MS = 2_000;

/** How long processes killed after a command may take to be gone, and how often that is checked. */
const SETTLE_MS = 10_000;
const SETTLE_POLL_MS = 5;

/** How a supervised sandbox is started. */
export interface SessionOptions {
  /** The program that makes the sandbox and its arguments, up to (not including) the shell. */
  argv: string[];
  /** The supervisor's bash, as the sandbox sees it (default /bin/bash). */
  shell?: string;
  /** Environment of that program. */
  env: Record<string, string>;
  /** The command-file directory on the runner's disk and inside the sandbox. */
  ctlHost: string;
  ctlInside: string;
  /** Owner to give command files (the sandbox's user when the runner is root). */
  owner?: { uid: number; gid: number } | undefined;
  limits?: { processes: number; fileBytes: number } | undefined;
}

/** A command being run. */
interface Running {
  onOutput: (data: Buffer) => void;
  resolve: (result: ExecResult) => void;
  reject: (error: Error) => void;
  files: string[];
}

/** A sandbox with a supervisor in it: commands run one at a time. */
export class SupervisedSession {
  private readonly child: LaunchedProcess;
  private readonly marker: CommandMarker;
  private running: Running | undefined;
  private stderr = '';
  private seq = 0;
  /**
   * Names this session's command files. Sessions may share a ctl directory (the mirror keepers of
   * all slots share the keeper's, with its scripts): with the number alone, two sessions at the
   * same count wrote the same `.<n>.cmd`, and each keeper ran whichever command was written last
   * (two first builds at once cloned one repository twice into one mirror, none into the other).
   */
  private readonly id = randomBytes(8).toString('hex');
  private ended = false;
  /** Set when the runner itself ends the sandbox (so an exit is not a failure). */
  private ending = false;
  private forceKill: NodeJS.Timeout | undefined;
  private readonly exited: Promise<void>;

  constructor(private readonly options: SessionOptions) {
    const marker = `\u001ekiln-${randomBytes(16).toString('hex')}`;
    this.marker = new CommandMarker(marker);
    const [file, ...args] = options.argv as [string, ...string[]];
    const limits = options.limits;
    // Started from the launcher's helper, not from this (large) process: see launcher.ts.
    this.child = launch(
      file,
      [
        ...args,
        options.shell ?? '/bin/bash',
        '--noprofile',
        '--norc',
        '-c',
        SUPERVISOR,
        'kiln-supervisor',
        options.ctlInside,
        limits ? String(limits.processes) : '',
        limits ? String(Math.ceil(limits.fileBytes / 1024)) : '',
      ],
      options.env,
    );
    this.child.stdin.on('error', () => {}); // a write after the sandbox ended; its end reports it
    this.child.stdin.write(`${marker}\n`);
    this.child.onData((data) => this.onData(data));
    this.exited = this.child.closed.then(({ signal, stderr }) => {
      this.stderr = stderr;
      this.onEnd(signal);
    });
  }

  /** Runs one command (see Sandbox.exec). */
  exec(command: Command, onOutput: (data: Buffer) => void, signal: AbortSignal): Promise<ExecResult> {
    if (this.running) return Promise.reject(new Error('the sandbox is already running a command'));
    if (this.ended) return Promise.reject(this.failure());
    const n = `${this.id}-${++this.seq}`;
    const files = [join(this.options.ctlHost, `.${n}.cmd`), join(this.options.ctlHost, `.${n}.env`)];
    this.writeFile(files[0] as string, [
      command.cwd,
      command.ownScript ? 'source' : 'exec',
      command.file,
      ...command.args,
    ]);
    this.writeFile(
      files[1] as string,
      Object.entries(command.env).map(([k, v]) => `${k}=${v}`),
    );
    return new Promise<ExecResult>((resolve, reject) => {
      const stop = () => this.terminate();
      this.running = {
        onOutput,
        files,
        resolve: (result) => {
          signal.removeEventListener('abort', stop);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener('abort', stop);
          reject(error);
        },
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      this.child.stdin.write(`${n}\n`);
    });
  }

  /**
   * Processes of the sandbox's user, as its process limit counts them: every process in the
   * sandbox, the supervisor included, but its init when that runs as root (the runner is root).
   */
  processes(): number {
    if (this.ended || this.child.pid === undefined) return 0;
    const all = descendants(this.child.pid).length;
    return Math.max(0, this.options.owner ? all - 1 : all);
  }

  /** Every process of the sandbox, its init included; none once it has ended. */
  pids(): number[] {
    if (this.ended || this.child.pid === undefined) return [];
    return [this.child.pid, ...descendants(this.child.pid)];
  }

  /**
   * Stops the command: SIGTERM to every process of the sandbox but its init (the supervisor
   * catches it), then SIGKILL to the whole sandbox if it has not ended within the grace period.
   */
  terminate(): void {
    if (this.ended || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const [, ...inside] = descendants(pid); // [init, supervisor, ...]
    signalAll(inside, 'SIGTERM');
    this.forceKill ??= setTimeout(() => this.kill(), KILL_GRACE_MS);
  }

  /** False once the sandbox has ended. */
  alive(): boolean {
    return !this.ended;
  }

  /** Ends the sandbox: the supervisor exits when its input closes, which ends the namespace. */
  async close(): Promise<void> {
    this.ending = true;
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), KILL_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    clearTimeout(this.forceKill);
  }

  private kill(): void {
    this.ending = true;
    // The sandbox's init dies with bwrap (--die-with-parent), and every process of the namespace
    // with its init.
    if (!this.ended) this.child.kill('SIGKILL');
  }

  private writeFile(path: string, fields: string[]): void {
    writeFileSync(path, fields.map((f) => `${f}\0`).join(''), { mode: 0o600 });
    if (this.options.owner) chownSync(path, this.options.owner.uid, this.options.owner.gid);
  }

  private onData(data: Buffer): void {
    const { output, exitCode } = this.marker.push(data);
    const running = this.running;
    if (!running) return;
    if (output.length > 0) running.onOutput(output);
    if (exitCode !== undefined) void this.settle(running, exitCode);
  }

  /**
   * Ends a command once a marker says it ended and nothing of it runs any more, seen from outside
   * the sandbox: the runner works on the build's files next (as root when it is root), which must
   * not race a process of the build. The supervisor kills everything before its marker, but a
   * marker may not be the supervisor's (a step that learnt it prints it and runs on): the runner
   * kills whatever is left but the sandbox's init and the supervisor, and waits until it is gone.
   * If the supervisor still has a child, its command had not ended: its own marker, which follows
   * once the command's shell is killed, ends it.
   */
  private async settle(running: Running, exitCode: number): Promise<void> {
    const pid = this.child.pid as number;
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      if (this.running !== running) return;
      const [, supervisor, ...left] = descendants(pid); // [init, supervisor, ...]
      if (left.length === 0) return this.finish({ exitCode, signal: null });
      const forged = supervisor !== undefined && childrenOf(supervisor).length > 0;
      signalAll(left, 'SIGKILL');
      if (forged) return;
      if (Date.now() > deadline)
        return this.finish(new Error(`processes of the command did not end within ${SETTLE_MS} ms`));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }

  private finish(result: ExecResult | Error): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    // A command that ended after SIGTERM leaves a working sandbox: no SIGKILL for it.
    clearTimeout(this.forceKill);
    this.forceKill = undefined;
    for (const file of running.files) rmSync(file, { force: true });
    if (result instanceof Error) running.reject(result);
    else running.resolve(result);
  }

  private onEnd(signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.forceKill);
    const rest = this.marker.end();
    if (rest.length > 0) this.running?.onOutput(rest);
    if (this.ending) this.finish({ exitCode: null, signal: signal ?? 'SIGKILL' });
    else this.finish(this.failure());
  }

  private failure(): Error {
    const detail = this.stderr.trim().split('\n').slice(-3).join('; ');
    return new Error(`the sandbox ended unexpectedly${detail ? `: ${detail}` : ''}`);
  }
}
