import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { HiddenDir } from '../runner/bwrap-mounts.ts';
import { BwrapBackend } from '../runner/bwrap-sandbox.ts';
import { HostBackend } from '../runner/host-sandbox.ts';
import type { RunnerOptions } from '../runner/runner.ts';
import type { RunnerConfig } from './config.ts';
import { DAY_MS } from '../domain/time.ts';

/**
 * A runner's options from its settings: the sandbox (checked to work on this machine, or a
 * SandboxUnavailableError that says what to install), limits and mirrors. Shared by the server's
 * own runner and `kiln runner`.
 */
export async function runnerOptions(
  config: RunnerConfig,
  base: {
    slots: number;
    workDir: string;
    path: string;
    logger: Logger;
    /** The server's directories no build may see (its data directory), for its own runner. */
    hidden?: HiddenDir[];
  },
): Promise<RunnerOptions> {
  const { logger } = base;
  const sandbox =
    config.sandbox === 'off'
      ? new HostBackend()
      : await BwrapBackend.create({
          searchPath: process.env.PATH ?? '/usr/bin:/bin',
          network: config.sandboxNetwork === 'on',
          limits: { processes: config.buildMaxProcesses, fileBytes: config.buildMaxDiskBytes },
          shmBytes: config.buildShmBytes,
          readOnly: config.sandboxReadOnly,
          localRepositories: config.localRepositories,
          uidBase: config.sandboxUid,
          workDir: base.workDir,
          hidden: base.hidden ?? [],
        });
  if (config.sandbox === 'off') {
    logger.warn(
      "KILN_SANDBOX=off: builds run without a sandbox, as this process's user; any user who can run a build can read this machine's secrets and take over Kiln",
    );
  }
  logger.info({ sandbox: sandbox.description }, 'builds are sandboxed');
  return {
    slots: base.slots,
    sandbox,
    workDir: base.workDir,
    path: base.path,
    hostName: hostname(),
    runnerPool: config.runnerPool,
    configuredTools: config.runnerTools,
    limits: {
      processes: config.buildMaxProcesses,
      diskBytes: config.buildMaxDiskBytes,
      files: config.buildMaxFiles,
    },
    mirrors: {
      localRepositories: config.localRepositories,
      maxBytes: config.mirrorMaxBytes,
      maxAgeMs: config.mirrorMaxAgeDays * DAY_MS,
    },
    logger,
  };
}
