import { ProcessExecutor } from './executor.ts';
import type { BuildDirs, BuildSandboxSpec, KeeperDirs, Sandbox, SandboxBackend } from './sandbox.ts';

/** Runs a sandbox's commands as plain processes of the runner, in the host's own directories. */
function hostSandbox(inside: Sandbox['inside']): Sandbox {
  const executor = new ProcessExecutor();
  return {
    inside,
    exec: (command, onOutput, signal) =>
      executor.exec(
        command.ownScript
          ? { ...command, file: '/bin/bash', args: [command.file, ...command.args] }
          : command,
        onOutput,
        signal,
      ),
    processes: () => undefined,
    pids: () => [],
    alive: () => true,
    close: async () => {},
  };
}

/**
 * No sandbox (KILN_SANDBOX=off): builds run as the runner's own user with its view of the machine,
 * each command in a process group of its own (stopping a command signals the group). A build can
 * read what the runner can read, signal the runner, and leave processes behind with setsid. For a
 * machine where namespaces are forbidden and every build is trusted; Kiln warns at every start.
 */
export class HostBackend implements SandboxBackend {
  readonly description = "none (KILN_SANDBOX=off): builds run as the runner's own user and see all it sees";

  buildOwner(): undefined {
    return undefined;
  }

  mirrorOwner(): undefined {
    return undefined;
  }

  /** Builds run on the host: they see all it has. */
  visible(): boolean {
    return true;
  }

  async openBuild(spec: BuildSandboxSpec): Promise<Sandbox> {
    const dirs: BuildDirs = spec.dirs;
    return hostSandbox({ ...dirs, mirrors: spec.mirrors });
  }

  async openKeeper(dirs: KeeperDirs): Promise<Sandbox> {
    return hostSandbox({
      workspace: dirs.mirrors,
      home: dirs.home,
      tmp: dirs.tmp,
      ctl: dirs.ctl,
      mirrors: dirs.mirrors,
    });
  }
}
