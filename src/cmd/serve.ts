import type { FastifyInstance } from 'fastify';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../domain/clock.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { createApp } from '../server/app.ts';
import { createMetrics } from '../server/metrics.ts';
import type { Storage } from '../storage/ports.ts';
import { createPostgresStorage } from '../storage/postgres/postgres-storage.ts';
import { createSqliteStorage } from '../storage/sqlite/sqlite-storage.ts';
import type { Config } from './config.ts';
import { readOrCreateSecretKey } from './secret-key.ts';

/** A started Kiln server. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  engine: Engine;
  /** Stops accepting, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

/** Extra wiring for tests and embedding. */
export interface ServeOptions {
  logger?: Logger;
  clock?: Clock;
  /** Where the one-time admin password notice goes (stdout by default). */
  notice?: (line: string) => void;
  passwordCost?: number;
}

/** The store the configuration names: PostgreSQL, or the SQLite file in the data directory. */
export async function openStorage(config: Config, logger: Logger): Promise<Storage> {
  const url = config.databaseUrl;
  if (url && /^postgres/.test(url)) {
    return createPostgresStorage({
      url,
      poolSize: config.dbPoolSize,
      onIdleError: (err) => logger.warn({ err }, 'idle database connection failed'),
    });
  }
  const path = url ? url.replace(/^sqlite:/, '') : join(resolve(config.dataDir), 'kiln.db');
  return createSqliteStorage({ path });
}

/** Opens the store, creates the first admin when the store is empty, and starts listening. */
export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'kiln' } });
  const storage = await openStorage(config, logger);
  const engine = createEngine({
    storage,
    clock: options.clock ?? systemClock,
    timeZone: config.timeZone,
    secretKey: config.secretKey ?? readOrCreateSecretKey(resolve(config.dataDir)),
    ...(options.passwordCost !== undefined && { passwordCost: options.passwordCost }),
  });
  const boot = await engine.directory.bootstrap(config.adminPassword);
  if (boot.generatedPassword) {
    (options.notice ?? ((l) => process.stdout.write(`${l}\n`)))(
      `Kiln created the user "admin" with the password ${boot.generatedPassword} (shown only now; set KILN_ADMIN_PASSWORD to choose it)`,
    );
  }
  const metrics = createMetrics(() => engine.activeBuildCounts());
  const app = await createApp({
    engine,
    logger,
    metrics,
    ...(config.publicUrl && { publicUrl: config.publicUrl }),
    rateLimitPerMinute: config.rateLimit,
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const purge = setInterval(() => {
    engine.auth.purgeExpired().catch((err) => logger.warn({ err }, 'token purge failed'));
  }, 3_600_000);
  purge.unref();
  logger.info({ host: config.host, port, store: storage.dialect }, 'kiln listening');
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    app,
    engine,
    async close() {
      clearInterval(purge);
      await app.close();
      await storage.close();
    },
  };
}
