/**
 * Where a build's processes run. The runner knows a sandbox only through this port: bubblewrap
 * (`bwrap-sandbox.ts`, the default) or none at all (`host-sandbox.ts`, KILN_SANDBOX=off); a
 * container or Kubernetes backend would be a third implementation, the engine and the runner's
 * build logic unchanged.
 *
 * Lifecycle: `openBuild` for one build, before the build is known (a runner keeps one ready per
 * slot: starting a sandbox takes longer than anything else a build waits for); `exec` one command
 * at a time (the checkout, then each step); `close` when the build ends, which ends every process
 * the build started, whatever it did to escape (setsid, nohup, double forks). A sandbox serves one
 * build only. A runner that dies, even by SIGKILL, takes its sandboxes with it.
 */

/** A program to run in a sandbox. Paths are as the sandbox sees them. */
export interface Command {
  file: string;
  args: string[];
  cwd: string;
  /** The whole environment: nothing of the runner's own is inherited. */
  env: Record<string, string>;
  /**
   * `file` is a bash script of Kiln's own (never a build's code): a sandbox may run it in a shell
   * it already has instead of starting one.
   */
  ownScript?: boolean;
}

/** How a command ended: its exit code, or the signal that ended it. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
}

/** Where a build's directories are, on the runner's disk and as the build sees them. */
export interface BuildDirs {
  workspace: string;
  home: string;
  tmp: string;
  /** Scripts and command files the runner writes for the build (read-only for the build). */
  ctl: string;
}

/** A running sandbox. */
export interface Sandbox {
  /**
   * The build's directories as its processes see them, and the runner's mirrors directory: it
   * cannot be listed, so a build reaches only the mirror whose name it is given (see MirrorCache).
   */
  readonly inside: BuildDirs & { mirrors: string };
  /**
   * Runs a command; its stdout and stderr arrive joined at the file-descriptor level (in the order
   * written) through `onOutput`. Resolves when the command and everything it left running have
   * ended. Aborting `signal` stops it: SIGTERM, then SIGKILL after a grace period.
   */
  exec(command: Command, onOutput: (data: Buffer) => void, signal: AbortSignal): Promise<ExecResult>;
  /**
   * Processes of the build's user running in the sandbox now (what its process limit counts), or
   * undefined when the backend cannot tell.
   */
  processes(): number | undefined;
  /** Every process of the sandbox, its init included (where the build's open files are seen). */
  pids(): number[];
  /** False once the sandbox has ended (it cannot run commands any more). */
  alive(): boolean;
  /** Ends every process of the sandbox. */
  close(): Promise<void>;
}

/** What a build's sandbox is made of. */
export interface BuildSandboxSpec {
  /** The build's directories on the runner's disk (made by the runner, empty). */
  dirs: BuildDirs;
  /** The runner slot running the build: each slot has its own user when the runner is root. */
  slot: number;
  /** The runner's mirrors (read-only for builds; a checkout borrows its mirror's objects). */
  mirrors: string;
}

/** The mirror keeper's directories on the runner's disk. */
export interface KeeperDirs {
  mirrors: string;
  ctl: string;
  /** HOME and /tmp (a sandbox may give the keeper fresh ones of its own instead). */
  home: string;
  tmp: string;
}

/** A sandbox backend: makes sandboxes for builds and for the runner's git mirrors. */
export interface SandboxBackend {
  /** Said once at start: what isolates builds here. */
  readonly description: string;
  /** The user id that owns what a slot's builds write (the runner makes their directories hers). */
  buildOwner(slot: number): { uid: number; gid: number } | undefined;
  /** The user id that owns the mirrors. */
  mirrorOwner(): { uid: number; gid: number } | undefined;
  /** True when builds see this host directory at the same path (where the runner looks for their tools). */
  visible(hostPath: string): boolean;
  openBuild(spec: BuildSandboxSpec): Promise<Sandbox>;
  /**
   * A long-lived sandbox that keeps the runner's mirrors: the mirrors directory writable, the
   * allowed local repositories readable, the network on. Only git runs in it, with arguments the
   * runner chose. Its `inside.workspace` is the mirrors directory.
   */
  openKeeper(dirs: KeeperDirs): Promise<Sandbox>;
}

/** The sandbox cannot be used on this machine; says what to do. */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}
