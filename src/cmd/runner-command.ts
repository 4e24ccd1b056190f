import { resolve } from 'node:path';
import pino from 'pino';
import { logProcessWarnings } from './process-warnings.ts';
import { HttpRunnerPeer } from '../runner/http-peer.ts';
import { Runner } from '../runner/runner.ts';
import { SandboxUnavailableError } from '../runner/sandbox.ts';
import { ConfigError, LOG_LEVELS, parseRunnerConfig } from './config.ts';
import { runnerOptions } from './runner-setup.ts';
import { holdWorkDir } from './process-lock.ts';
import { defaultBuildPath } from './build-path.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';

/** Options of `kiln runner`. */
export interface RunnerCommandOptions {
  server: string;
  token?: string;
  slots: string;
  workDir: string;
  buildPath?: string;
  logLevel: string;
}

/**
 * `kiln runner`: runs builds for a Kiln server on this machine, pulling work over HTTP. Stops on
 * SIGTERM/SIGINT: builds in progress are stopped and reported ABORTED.
 */
export async function runRunner(opts: RunnerCommandOptions): Promise<void> {
  const token = opts.token ?? process.env.KILN_RUNNER_TOKEN;
  if (!token)
    throw new Error('a runner token is required: --token or KILN_RUNNER_TOKEN (see `kiln runners create`)');
  // Checked here, not at the first request: the runner would retry a URL that can never work.
  if (!isHttpUrl(opts.server))
    throw new Error(
      `--server "${maskUrlCredentials(opts.server)}" must be the Kiln server's URL, starting with http:// or https://`,
    );
  const slots = Number(opts.slots);
  if (!Number.isInteger(slots) || slots < 1 || slots > 256)
    throw new Error('--slots must be a whole number from 1 to 256');
  // pino's own refusal ("default level:verbose must be included in custom levels") named neither
  // the option nor the levels it takes.
  if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
    throw new Error(`--log-level "${opts.logLevel}" must be one of ${LOG_LEVELS.join(', ')}`);
  const logger = pino({ level: opts.logLevel, base: { service: 'kiln-runner' } });
  logProcessWarnings(logger);
  const workDir = resolve(opts.workDir);
  // Held until the runner has stopped (a lock no longer referred to would be collected, and freed).
  const held = holdWorkDir(workDir, '--work-dir');
  try {
    let options;
    try {
      options = await runnerOptions(parseRunnerConfig(process.env), {
        slots,
        workDir,
        path: opts.buildPath ?? defaultBuildPath(process.env.PATH),
        logger,
      });
    } catch (error) {
      if (error instanceof ConfigError) throw new Error(error.message, { cause: error });
      if (error instanceof SandboxUnavailableError)
        throw new Error(`cannot run builds: ${error.message}`, { cause: error });
      throw error;
    }
    const runner = new Runner(new HttpRunnerPeer(opts.server, token), options);
    runner.start();
    logger.info({ server: opts.server, slots }, 'runner started');
    const refused = await new Promise<unknown>((done) => {
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'runner stopping');
        runner.stop().finally(() => done(undefined));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      void runner.refused.then((error) => runner.stop().finally(() => done(error)));
    });
    if (refused) throw new Error(`the server refused this runner: ${(refused as Error).message}`);
  } finally {
    held.release();
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
