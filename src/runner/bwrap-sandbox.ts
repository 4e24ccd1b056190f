import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import {
  exposedHiddenDir,
  readOnlyMounts,
  readOnlyRoot,
  systemMounts,
  SYSTEM_DIRS,
  type HiddenDir,
} from './bwrap-mounts.ts';
import { FILTERED_ARCHES, sandboxFilter } from './seccomp-filter.ts';
import type { BuildSandboxSpec, KeeperDirs, Sandbox, SandboxBackend } from './sandbox.ts';
import { SandboxUnavailableError } from './sandbox.ts';
import { SupervisedSession } from './supervised-session.ts';

/** How builds are sandboxed with bubblewrap. */
export interface BwrapSettings {
  /** The runner's PATH, where `bwrap` is looked up. */
  searchPath: string;
  /** Builds reach the network (else only their own loopback). */
  network: boolean;
  limits: { processes: number; fileBytes: number };
  /** Size of a build's /dev/shm (bwrap-mounts.ts). */
  shmBytes: number;
  /** Host paths builds may read besides the system directories. */
  readOnly: string[];
  /** Directories whose repositories the mirror keeper may read (local repositories). */
  localRepositories: string[];
  /** When the runner is root: the mirrors' owner; slot n's builds run as this + 1 + n. */
  uidBase: number;
  /** The runner's work directory (the sandboxes' passwd files go in it). */
  workDir: string;
  /** Other host directories no build may see besides the work directory (the server's data directory). */
  hidden?: HiddenDir[];
}

/** The Sandbox of a supervised session. */
function sandboxOf(session: SupervisedSession, inside: Sandbox['inside']): Sandbox {
  return {
    inside,
    exec: (command, onOutput, signal) => session.exec(command, onOutput, signal),
    processes: () => session.processes(),
    pids: () => session.pids(),
    alive: () => session.alive(),
    close: () => session.close(),
  };
}

/** Paths inside a build's sandbox. */
const INSIDE = {
  workspace: '/workspace',
  home: '/home/kiln',
  tmp: '/tmp',
  ctl: '/kiln/ctl',
  mirrors: '/kiln/mirrors',
  keeperHome: '/kiln/home',
  keeperTmp: '/kiln/tmp',
  supervisor: '/kiln/supervisor',
};

/**
 * The euid the supervisor starts with when the runner is root (nobody's, which owns nothing; the
 * one below it for a build that is nobody): bash started with an euid other than its uid sets its
 * ids to its uid (it does so unless given `-p`), and a process whose euid changed is not dumpable.
 */
const NOBODY = 65534;
function supervisorStartId(id: number): number {
  return id === NOBODY ? NOBODY - 1 : NOBODY;
}

/**
 * Run by the supervisor's bash at start (as root: see drop): exits 3 unless its real, effective,
 * saved and file-system uids and gids are all one. A bash older than 5.1 sets only the effective
 * id to the real one and leaves the saved one at the start euid, which every step could go back to.
 */
const SAME_IDS = `while read -r k a b c d; do case $k in Uid:|Gid:) [ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$c" = "$d" ] || exit 3;; esac; done < /proc/self/status`;

/** The user a build sees itself as when the runner is not root (a user namespace maps it). */
const INNER_ID = 1000;

const run = promisify(execFile);

/** The first `name` on `path`, or undefined. */
function which(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Makes `path` an execute-only (0111) copy of the host's bash for the sandboxes' supervisors.
 *
 * Why: the supervisor holds the marker that ends each command, and a step runs as the same user
 * (the supervisor's child): if the step could read the supervisor's memory (/proc/<pid>/mem,
 * ptrace) or its descriptors (/proc/<pid>/fd), it could print the marker, have the runner believe
 * it ended and race what the runner then does to the workspace. A process the kernel marks not
 * dumpable is closed to processes of the same user without CAP_SYS_PTRACE (mem, fd, environ,
 * ptrace), and a process that execs a file it may not read becomes so. The copy is mounted
 * read-only, so that a build whose user owns it (a runner that is not root) cannot make it
 * readable. Replaced at each start: it follows the host's bash.
 */
function supervisorShell(path: string): void {
  rmSync(path, { force: true });
  copyFileSync(realpathSync('/bin/bash'), path);
  chmodSync(path, 0o111);
}

/**
 * Builds run under bubblewrap (`bwrap`, Debian's `bubblewrap` package), one sandbox per build:
 * own PID, mount, IPC and UTS namespaces (and network namespace when the network is off); the
 * host's system directories read-only; the build's workspace, HOME and /tmp as its only writable
 * places on disk, a bounded /dev/shm in memory, the rest read-only (bwrap-mounts.ts); its scripts
 * and its repository mirror read-only; nothing of the runner's (data directory, secret key,
 * database, other builds, the runner's token); no kernel keyrings (seccomp-filter.ts).
 * `--die-with-parent`: a runner killed by SIGKILL takes its builds with it.
 *
 * When the runner is root, bwrap sets the sandbox up as root and the build runs as an unprivileged
 * user of its own (setpriv: no capabilities, no-new-privileges), one per slot, so builds cannot
 * signal or read each other even outside the namespaces. Otherwise bwrap makes a user namespace
 * and the build runs as the runner's user mapped to uid 1000.
 */
export class BwrapBackend implements SandboxBackend {
  readonly description: string;
  private readonly root = process.getuid?.() === 0;
  private readonly system: string[];
  /** The supervisor's bash on the runner's disk (see supervisorShell). */
  private readonly supervisorBash: string;

  private constructor(
    private readonly settings: BwrapSettings,
    private readonly bwrap: string,
    private readonly filter: string,
    version: string,
  ) {
    this.system = systemMounts(settings.shmBytes);
    this.supervisorBash = join(settings.workDir, 'sandbox', 'supervisor-bash');
    const who = this.root
      ? `as uids from ${settings.uidBase + 1}`
      : `as the runner's user (uid ${INNER_ID} inside)`;
    this.description = `bubblewrap ${version}, ${who}, network ${settings.network ? 'on' : 'off'}`;
  }

  /** Finds bwrap and checks that this kernel lets it make a sandbox; says what to do if not. */
  static async create(settings: BwrapSettings): Promise<BwrapBackend> {
    const bwrap = which('bwrap', settings.searchPath);
    if (!bwrap) {
      throw new SandboxUnavailableError(
        'builds run in a sandbox made by bubblewrap, which is not installed: install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), or set KILN_SANDBOX=off to run builds without a sandbox (unsafe: any build can then take over Kiln)',
      );
    }
    if (!FILTERED_ARCHES.includes(process.arch)) {
      throw new SandboxUnavailableError(
        `the sandbox's system call filter knows the processes of x86-64 and arm64 machines, not of ${process.arch}: set KILN_SANDBOX=off to run builds without a sandbox (unsafe)`,
      );
    }
    const exposed = exposedHiddenDir(
      [...(settings.hidden ?? []), { path: settings.workDir, what: "the runner's work directory" }],
      {
        system: process.getuid?.() === 0 ? [] : SYSTEM_DIRS,
        readOnly: settings.readOnly,
        localRepositories: settings.localRepositories,
      },
    );
    if (exposed) throw new SandboxUnavailableError(exposed);
    const { stdout } = await run(bwrap, ['--version']).catch(() => ({ stdout: 'bubblewrap ?' }));
    if (readFileSync('/proc/sys/fs/suid_dumpable', 'latin1').trim() === '1') {
      throw new SandboxUnavailableError(
        "fs.suid_dumpable is 1 on this machine: a build could then read its sandbox supervisor's memory and forge the end of its steps; set it to 0 or 2 (sysctl fs.suid_dumpable=0), or set KILN_SANDBOX=off to run builds without a sandbox (unsafe)",
      );
    }
    const dir = join(settings.workDir, 'sandbox');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const filter = join(dir, 'seccomp.bpf');
    writeFileSync(filter, sandboxFilter(), { mode: 0o600 });
    const backend = new BwrapBackend(settings, bwrap, filter, stdout.trim().replace(/^bubblewrap /, ''));
    supervisorShell(backend.supervisorBash);
    try {
      const [shell, ...args] = backend.start();
      await run(
        shell as string,
        [
          ...args,
          ...backend.namespaceArgs(settings.network),
          ...backend.system,
          ...backend.supervisorMount(),
          ...readOnlyRoot(),
          ...backend.drop(0),
          ...(backend.root ? [INSIDE.supervisor, '-c', SAME_IDS] : ['/bin/true']),
        ],
        {
          env: { PATH: '/usr/bin:/bin' },
        },
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === 3)
        throw new SandboxUnavailableError(
          "this machine's bash (older than 5.1) keeps the sandbox supervisor's saved user id when it drops its rights, which a build could take back: install bash 5.1 or later, or set KILN_SANDBOX=off to run builds without a sandbox (unsafe)",
        );
      const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
      throw new SandboxUnavailableError(
        `bubblewrap cannot make a sandbox on this machine (${detail || 'no reason given'}): the kernel must allow PID and mount namespaces${
          backend.root
            ? ''
            : ' and unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)'
        }; or set KILN_SANDBOX=off to run builds without a sandbox (unsafe)`,
      );
    }
    return backend;
  }

  buildOwner(slot: number): { uid: number; gid: number } | undefined {
    const uid = this.settings.uidBase + 1 + slot;
    return this.root ? { uid, gid: uid } : undefined;
  }

  visible(hostPath: string): boolean {
    const roots = [
      '/usr',
      '/etc',
      '/opt',
      '/bin',
      '/sbin',
      '/lib',
      '/lib64',
      '/lib32',
      '/libx32',
      ...this.settings.readOnly,
    ];
    return roots.some((root) => hostPath === root || hostPath.startsWith(`${root.replace(/\/+$/, '')}/`));
  }

  mirrorOwner(): { uid: number; gid: number } | undefined {
    return this.root ? { uid: this.settings.uidBase, gid: this.settings.uidBase } : undefined;
  }

  async openBuild(spec: BuildSandboxSpec): Promise<Sandbox> {
    const { dirs } = spec;
    const user = this.user(spec.slot + 1);
    const argv = [
      ...this.start(),
      ...this.namespaceArgs(this.settings.network),
      ...this.system,
      ...user.files,
      ...this.supervisorMount(),
      '--bind',
      dirs.workspace,
      INSIDE.workspace,
      '--bind',
      dirs.home,
      INSIDE.home,
      '--bind',
      dirs.tmp,
      INSIDE.tmp,
      '--symlink',
      '../tmp',
      '/var/tmp',
      '--ro-bind',
      dirs.ctl,
      INSIDE.ctl,
      '--ro-bind',
      spec.mirrors,
      INSIDE.mirrors,
      ...readOnlyMounts(this.settings.readOnly),
      ...readOnlyRoot(),
      '--chdir',
      INSIDE.workspace,
      ...this.drop(spec.slot + 1),
    ];
    const session = new SupervisedSession({
      argv,
      shell: INSIDE.supervisor,
      env: { PATH: '/usr/bin:/bin' },
      ctlHost: dirs.ctl,
      ctlInside: INSIDE.ctl,
      owner: this.buildOwner(spec.slot),
      limits: this.settings.limits,
    });
    return sandboxOf(session, {
      workspace: INSIDE.workspace,
      home: INSIDE.home,
      tmp: INSIDE.tmp,
      ctl: INSIDE.ctl,
      mirrors: INSIDE.mirrors,
    });
  }

  async openKeeper(dirs: KeeperDirs): Promise<Sandbox> {
    const user = this.user(0);
    const argv = [
      ...this.start(),
      ...this.namespaceArgs(true),
      ...this.system,
      ...user.files,
      ...this.supervisorMount(),
      '--bind',
      dirs.mirrors,
      INSIDE.mirrors,
      '--ro-bind',
      dirs.ctl,
      INSIDE.ctl,
      '--tmpfs',
      INSIDE.keeperHome,
      '--tmpfs',
      INSIDE.keeperTmp,
      ...readOnlyMounts(this.settings.localRepositories),
      ...readOnlyRoot(),
      '--chdir',
      INSIDE.mirrors,
      ...this.drop(0),
    ];
    const session = new SupervisedSession({
      argv,
      shell: INSIDE.supervisor,
      env: { PATH: '/usr/bin:/bin' },
      ctlHost: dirs.ctl,
      ctlInside: INSIDE.ctl,
      owner: this.mirrorOwner(),
    });
    return sandboxOf(session, {
      workspace: INSIDE.mirrors,
      home: INSIDE.keeperHome,
      tmp: INSIDE.keeperTmp,
      ctl: INSIDE.ctl,
      mirrors: INSIDE.mirrors,
    });
  }

  /**
   * bwrap, with the system call filter on descriptor 3: a shell opens the filter's file there and
   * becomes bwrap (the launcher gives what it starts no descriptors but its pipes), and bwrap
   * closes it once read.
   */
  private start(): string[] {
    return ['/bin/sh', '-c', 'exec "$@" 3<"$0"', this.filter, this.bwrap, '--seccomp', '3'];
  }

  /** The namespaces, and the user namespace when the runner is not root. */
  private namespaceArgs(network: boolean): string[] {
    const args = [
      '--die-with-parent',
      '--new-session',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--hostname',
      'kiln',
      '--unshare-cgroup-try',
    ];
    if (!network) args.push('--unshare-net');
    if (!this.root)
      args.push('--unshare-user', '--disable-userns', '--uid', String(INNER_ID), '--gid', String(INNER_ID));
    return args;
  }

  /** The supervisor's execute-only bash, read-only (see supervisorShell). */
  private supervisorMount(): string[] {
    return ['--ro-bind', this.supervisorBash, INSIDE.supervisor];
  }

  /**
   * What runs the supervisor as the sandbox's user: nothing to do in a user namespace. As root,
   * the euid it starts with is not its uid, so that its shell, setting the one to the other, is
   * not dumpable (see supervisorShell): setpriv's own exec of an unreadable file is not enough
   * here (Linux 6.18 left it dumpable), unlike an exec by a process that already had its uid.
   */
  private drop(index: number): string[] {
    if (!this.root) return [];
    const id = this.settings.uidBase + index;
    const start = supervisorStartId(id);
    return [
      'setpriv',
      `--ruid=${id}`,
      `--euid=${start}`,
      `--rgid=${id}`,
      `--egid=${start}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    ];
  }

  /**
   * /etc/passwd and /etc/group of a sandbox: the sandbox's user exists (ssh, for one, refuses a
   * user without an entry) and the host's accounts do not show.
   */
  private user(index: number): { files: string[] } {
    const id = this.root ? this.settings.uidBase + index : INNER_ID;
    const name = index === 0 ? 'kiln-mirror' : 'kiln';
    const dir = join(this.settings.workDir, 'sandbox');
    // Named by the account too: under a runner that is not root, the fetcher and the builds are
    // both uid 1000 inside, and each must see its own name.
    const passwd = join(dir, `passwd-${name}-${id}`);
    const group = join(dir, `group-${name}-${id}`);
    if (!existsSync(passwd)) {
      writeFileSync(
        passwd,
        `root:x:0:0:root:/root:/usr/sbin/nologin\n${name}:x:${id}:${id}:Kiln build:${INSIDE.home}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
        { mode: 0o644 },
      );
      writeFileSync(group, `root:x:0:\n${name}:x:${id}:\nnogroup:x:65534:\n`, { mode: 0o644 });
    }
    return { files: ['--ro-bind', passwd, '/etc/passwd', '--ro-bind', group, '/etc/group'] };
  }
}
