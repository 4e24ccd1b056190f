import pino from 'pino';
import { SandboxUnavailableError } from '../runner/sandbox.ts';
import { ConfigError, parseConfig } from './config.ts';
import { logProcessWarnings } from './process-warnings.ts';
import { StartRefusedError } from './start-refused.ts';
import { startServer } from './serve.ts';

/** `kiln serve`: serves until SIGTERM or SIGINT, then shuts down gracefully (a second signal exits at once). */
export async function serveUntilSignal(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kiln: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'kiln' } });
  logProcessWarnings(logger);
  const server = await startServer(config, { logger }).catch((error: unknown) => {
    if (error instanceof StartRefusedError) {
      process.stderr.write(`kiln: ${error.message}\n`);
      process.exit(2);
    }
    if (!(error instanceof SandboxUnavailableError)) throw error;
    process.stderr.write(`kiln: cannot run builds: ${error.message}\n`);
    process.exit(2);
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
      const force = setTimeout(() => {
        server.app.log.error('shutdown took longer than 15 s; exiting');
        process.exit(1);
      }, 15_000);
      force.unref();
      server
        .close()
        .catch((err) => server.app.log.error({ err }, 'error during shutdown'))
        .finally(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
