import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';

/**
 * Starts the runner's long-lived processes (sandboxes) and its host commands (`du`) from a small
 * helper process, never from the runner's own.
 *
 * Why: Node starts a child by forking the whole process and waiting for the child's exec; from a
 * server of a few hundred MB that blocks its event loop for 5 ms on a quiet machine and over 20 ms
 * on a loaded one, once per build (`npm run bench:engine`: the server's event-loop delay). The
 * helper is a bare Node of about 40 MB that only starts processes: its own loop blocks instead, and
 * the pipes of what it started are handed to the runner over the IPC channel (file descriptors
 * passed over a Unix socket), so the runner reads and writes them as if it had started the process.
 *
 * A helper is started on first use and shared by everything in this process. It exits when this
 * process does (its IPC channel closes, even after SIGKILL), and the sandboxes it started die with
 * it (bwrap's --die-with-parent). If it dies, what it started ends and the next use starts another.
 */

/**
 * The helper, run as `node -e`: plain JavaScript, as it must run the same from the sources (tests)
 * and from the bundle. Node starts reading a child's stdout pipe as soon as it exists, and what the
 * helper reads before the pipe is handed over is lost: so the runner gets the stdout pipe first
 * and stdin only after it, and a launched program must write nothing to stdout before it has read
 * from stdin (the sandbox supervisor reads its marker first). stderr stays with the helper, which
 * keeps its first 4 KiB for the exit message.
 */
const HELPER = `
const { spawn, execFile } = require('node:child_process');
const children = new Map();
process.on('disconnect', () => process.exit(0));
const parent = Number(process.env.KILN_LAUNCHER_PARENT);
const orphaned = () => process.ppid !== parent || !process.connected;
if (orphaned()) process.exit(0);
setInterval(() => { if (orphaned()) process.exit(0); }, 1000);
const send = (message, handle) => { if (process.connected) process.send(message, handle); };
process.on('message', (m) => {
  if (m.t === 'spawn') {
    let child;
    try {
      child = spawn(m.file, m.args, { env: m.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      return send({ t: 'error', id: m.id, message: error.message });
    }
    let stderr = '';
    let exit;
    let stderrClosed = false;
    const done = () => {
      if (exit && stderrClosed) { children.delete(m.id); send({ t: 'exit', id: m.id, ...exit, stderr }); }
    };
    child.once('error', (error) => { children.delete(m.id); send({ t: 'error', id: m.id, message: error.message }); });
    if (child.pid === undefined) return;
    children.set(m.id, child);
    child.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d.toString('utf8'); });
    child.stderr.once('close', () => { stderrClosed = true; done(); });
    child.once('exit', (code, signal) => { exit = { code, signal }; done(); });
    // stdout first: Node sends the next handle only once this one is acknowledged (and closes its
    // own copy then), and the runner writes to stdin only once it has it.
    send({ t: 'stdout', id: m.id }, child.stdout);
    send({ t: 'stdin', id: m.id, pid: child.pid }, child.stdin);
  } else if (m.t === 'kill') {
    children.get(m.id)?.kill(m.signal);
  } else if (m.t === 'run') {
    execFile(m.file, m.args, { env: m.env, timeout: m.timeoutMs, maxBuffer: 1 << 20 }, (error, stdout) => {
      send({ t: 'ran', id: m.id, stdout, error: error ? error.message : undefined });
    });
  }
});
`;

/**
 * The helper is started by bash, which first closes every descriptor this process inherited
 * without close-on-exec (a service manager's, a wrapper's, a shell's `exec 5<file`) but stdin,
 * stdout, stderr and the helper's IPC channel, and then becomes the helper. Node leaves inherited
 * descriptors open in its children; every sandbox the helper starts, and every step of a build,
 * would hold them, and an open descriptor is read without a permission check. Without /proc it
 * cannot see them, and fails rather than start the helper with them open. The loop has no
 * redirection of its own: bash would keep the stream it replaces on a descriptor of its own (10
 * and up) while the loop runs, the loop would close it, and stderr would not come back.
 */
const CLOSE_INHERITED_THEN_EXEC =
  '[ -d /proc/$$/fd ] || { echo "kiln: /proc is not mounted: cannot close inherited descriptors" >&2; exit 70; }; ' +
  'shopt -s nullglob; ' +
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; ' +
  'if [ "$fd" -gt 2 ] && [ "$fd" != "$NODE_CHANNEL_FD" ]; then eval "exec $fd<&-"; fi; done; ' +
  'exec "$0" -e "$1"';

/**
 * A process started by the helper. Its stdin takes writes at once: they are kept until both pipes
 * have arrived (see HELPER: it must not write to stdout before it reads).
 */
export interface LaunchedProcess {
  /** Known once the helper has started it. */
  readonly pid: number | undefined;
  readonly stdin: NodeJS.WritableStream;
  /** Its stdout, chunk by chunk. */
  onData(listener: (data: Buffer) => void): void;
  /**
   * Once it has exited and its stdout is drained: its exit code or signal, and the start of its
   * stderr (or why it could not be started).
   */
  readonly closed: Promise<Closed>;
  kill(signal: NodeJS.Signals): void;
}

/** How a launched process ended: its exit code or signal, and the start of its stderr. */
export interface Closed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

interface Pending {
  launched?: Launched;
  ran?: { resolve: (result: CommandResult) => void; reject: (error: Error) => void };
}

class Launched implements LaunchedProcess {
  pid: number | undefined;
  readonly stdin = new PassThrough();
  readonly closed: Promise<Closed>;
  private readonly events = new EventEmitter();
  private exit: Closed | undefined;
  private stdoutOpen = true;
  private resolveClosed!: (value: Closed) => void;

  constructor(
    readonly id: number,
    private readonly helper: Helper,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  onData(listener: (data: Buffer) => void): void {
    this.events.on('data', listener);
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.exit) this.helper.send({ t: 'kill', id: this.id, signal });
  }

  tookStdin(pid: number, socket: Socket): void {
    this.pid = pid;
    socket.on('error', () => {}); // written after it exited: its exit says what happened
    this.stdin.pipe(socket);
  }

  tookStdout(socket: Socket): void {
    socket.on('data', (data: Buffer) => this.events.emit('data', data));
    socket.on('error', () => {});
    socket.once('close', () => {
      this.stdoutOpen = false;
      this.settle();
    });
  }

  exited(code: number | null, signal: NodeJS.Signals | null, stderr: string, stdoutLost = false): void {
    this.exit = { code, signal, stderr };
    if (stdoutLost) this.stdoutOpen = false;
    this.settle();
  }

  private settle(): void {
    if (this.exit && !this.stdoutOpen) {
      this.stdin.destroy();
      this.resolveClosed(this.exit);
    }
  }
}

/** The helper process and what it is doing for this process. */
class Helper {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private gone = false;

  constructor(onGone: () => void) {
    this.child = spawn('bash', ['-c', CLOSE_INHERITED_THEN_EXEC, process.execPath, HELPER], {
      // Nothing of this process's environment: NODE_OPTIONS would load our own preloads into it.
      // Its parent is named: a helper that starts after this process died (SIGKILL while bash
      // or Node started) has init for a parent and no channel from the first, and must not stay.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KILN_LAUNCHER_PARENT: String(process.pid) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // The helper keeps this process alive only while it works for it (see track).
    this.child.unref();
    this.child.channel?.unref();
    this.child.on('message', (m: HelperMessage, handle?: Socket) => this.onMessage(m, handle));
    const end = (why = 'the process launcher ended') => {
      if (this.gone) return;
      this.gone = true;
      onGone();
      for (const [, p] of this.pending) {
        p.launched?.exited(null, 'SIGKILL', why, true);
        p.ran?.reject(new Error(why));
      }
      this.pending.clear();
    };
    this.child.once('exit', () => end());
    // Only when bash itself cannot be started (it is on every runner: the sandbox runs it too).
    this.child.once('error', (error) => end(`the process launcher could not start (bash: ${error.message})`));
  }

  send(message: object): void {
    if (!this.gone) this.child.send(message, (error) => error && this.child.kill('SIGKILL'));
  }

  launch(file: string, args: string[], env: Record<string, string>): LaunchedProcess {
    const id = ++this.nextId;
    const launched = new Launched(id, this);
    if (this.gone) {
      launched.exited(null, 'SIGKILL', 'the process launcher ended', true);
      return launched;
    }
    this.track(id, { launched });
    this.send({ t: 'spawn', id, file, args, env });
    return launched;
  }

  run(file: string, args: string[], timeoutMs: number): Promise<CommandResult> {
    if (this.gone) return Promise.reject(new Error('the process launcher ended'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.track(id, { ran: { resolve, reject } });
      this.send({ t: 'run', id, file, args, env: { PATH: '/usr/bin:/bin' }, timeoutMs });
    });
  }

  private track(id: number, pending: Pending): void {
    if (this.pending.size === 0) this.child.channel?.ref();
    this.pending.set(id, pending);
  }

  private untrack(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.child.channel?.unref();
  }

  private onMessage(m: HelperMessage, handle: Socket | undefined): void {
    const pending = this.pending.get(m.id);
    if (!pending) {
      handle?.destroy();
      return;
    }
    const launched = pending.launched;
    switch (m.t) {
      case 'stdin':
        if (handle) launched?.tookStdin(m.pid, handle);
        break;
      case 'stdout':
        if (handle) launched?.tookStdout(handle);
        break;
      case 'exit':
        this.untrack(m.id);
        launched?.exited(m.code, m.signal, m.stderr);
        break;
      case 'error':
        this.untrack(m.id);
        launched?.exited(null, null, m.message, true);
        break;
      case 'ran':
        this.untrack(m.id);
        pending.ran?.resolve({ stdout: m.stdout, ...(m.error !== undefined && { error: m.error }) });
        break;
    }
  }
}

type HelperMessage =
  | { t: 'stdin'; id: number; pid: number }
  | { t: 'stdout'; id: number }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { t: 'error'; id: number; message: string }
  | { t: 'ran'; id: number; stdout: string; error?: string };

let helper: Helper | undefined;

function current(): Helper {
  helper ??= new Helper(() => {
    helper = undefined;
  });
  return helper;
}

/**
 * Starts `file` from the helper with exactly `env`; stdin and stdout are pipes to this process,
 * stderr is kept by the helper (see HELPER: nothing may be written to stdout before stdin is read).
 */
export function launch(file: string, args: string[], env: Record<string, string>): LaunchedProcess {
  return current().launch(file, args, env);
}

/** What a host command printed, and why it failed if it did (a non-zero exit, a timeout). */
export interface CommandResult {
  stdout: string;
  error?: string;
}

/**
 * Runs a host command from the helper (PATH=/usr/bin:/bin, at most 1 MiB of stdout). Rejects only
 * when the helper itself ended.
 */
export function runCommand(file: string, args: string[], timeoutMs = 60_000): Promise<CommandResult> {
  return current().run(file, args, timeoutMs);
}
