import { smtpMail } from '../engine/notice-mail.ts';
import { maskedError } from '../domain/log-masking.ts';
import type { FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../domain/clock.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { DEFAULT_PASSWORD_COST } from '../engine/passwords.ts';
import { Runner } from '../runner/runner.ts';
import { createApp } from '../server/app.ts';
import { buildInfoRecordRenderer } from '../server/mappers/record.mapper.ts';
import { createMetrics } from '../server/metrics.ts';
import type { Storage } from '../storage/ports.ts';
import { createPostgresStorage } from '../storage/postgres/postgres-storage.ts';
import { createSqliteStorage } from '../storage/sqlite/sqlite-storage.ts';
import { openArtifactStore } from './artifact-store.ts';
import { withoutPassword, type Config } from './config.ts';
import { runnerOptions } from './runner-setup.ts';
import { secureDataDir, usesDataDir } from './data-dir.ts';
import { readOrCreateSecretKey } from './secret-key.ts';
import { SecretBox } from '../engine/secret-box.ts';
import { checkSecretKey } from '../engine/secret-key-check.ts';
import type { HiddenDir } from '../runner/bwrap-mounts.ts';
import { defaultBuildPath } from './build-path.ts';
import { checkPortFree } from './port-check.ts';
import { rootMessage, StartRefusedError } from './start-refused.ts';
import { holdLock, holdWorkDir, type HeldLock } from './process-lock.ts';

/** The built dashboard, from src/cmd or dist/cmd alike. */
const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** A started Kiln server. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  engine: Engine;
  /** Stops accepting, lets in-flight requests finish, stops the local runner, then closes the store. */
  close(): Promise<void>;
}

/** Extra wiring for tests and embedding. */
export interface ServeOptions {
  logger?: Logger;
  clock?: Clock;
  /** Where the one-time admin password notice goes (stdout by default). */
  notice?: (line: string) => void;
}

/** The store the configuration names: PostgreSQL, or the SQLite file in the data directory. */
export async function openStorage(config: Config, logger: Logger): Promise<Storage> {
  const path = sqlitePath(config);
  const where = path ?? withoutPassword(config.databaseUrl ?? '');
  const setting = databaseSetting(config);
  return openStore(config, path, logger).catch((error: unknown) => {
    // The store's own words, and the system's beneath them (ECONNREFUSED, a missing database).
    const root = rootMessage(error);
    const message = error instanceof Error ? error.message : root;
    const what = message.includes(root) ? message : `${message}: ${root}`;
    throw new StartRefusedError(`cannot open the database ${where} (${setting}): ${what}`, { cause: error });
  });
}

function openStore(config: Config, path: string | undefined, logger: Logger): Promise<Storage> {
  // What an upgrade (or a new database) changed, for whoever reads the log after it.
  const onMigrated = (migrations: string[]) => logger.info({ migrations }, 'database migrated');
  if (path !== undefined) return createSqliteStorage({ path, records: buildInfoRecordRenderer, onMigrated });
  return createPostgresStorage({
    url: config.databaseUrl ?? '',
    poolSize: config.dbPoolSize,
    records: buildInfoRecordRenderer,
    onMigrated,
    onIdleError: (err) => logger.warn({ err: maskedError(err) }, 'database connection failed'),
    onRecovered: (downMs) => logger.info({ downMs }, 'database connection works again'),
  });
}

/** The setting that names the database: its URL, or the data directory the SQLite file is in. */
function databaseSetting(config: Config): string {
  return config.databaseUrl ? 'KILN_DATABASE_URL' : 'KILN_DATA_DIR';
}

/** The SQLite database file the configuration names (undefined for PostgreSQL). */
function sqlitePath(config: Config): string | undefined {
  const url = config.databaseUrl;
  if (url && /^postgres/.test(url)) return undefined;
  return url ? url.replace(/^sqlite:/, '') : join(resolve(config.dataDir), 'kiln.db');
}

/**
 * The server's places no build may see (its own runner refuses a sandbox that would show one): the
 * data directory, the artifact directory, and a SQLite database a sqlite: URL puts elsewhere.
 */
export function hiddenFromBuilds(config: Config): HiddenDir[] {
  const database = sqlitePath(config);
  return [
    ...(usesDataDir(config)
      ? [{ path: resolve(config.dataDir), what: 'the data directory (KILN_DATA_DIR)' }]
      : []),
    ...(config.artifactDir === undefined
      ? []
      : [{ path: resolve(config.artifactDir), what: 'the artifact directory (KILN_ARTIFACT_DIR)' }]),
    ...(database === undefined || config.databaseUrl === undefined
      ? []
      : [{ path: resolve(database), what: 'the SQLite database (KILN_DATABASE_URL)' }]),
  ];
}

/** Where the server's own runner makes workspaces. */
function localWorkDir(config: Config): string {
  return resolve(config.workDir ?? join(config.dataDir, 'work'));
}

/**
 * What this server must have to itself, held until it closes: its SQLite database (the embedded
 * store tells only its own process of new builds and log lines, and keeps pages cached that
 * another server's writes would make stale) and its runner's work directory (a starting runner
 * removes the workspaces it finds there, and the sandbox users of its slots would be shared).
 */
function holdOwnFiles(config: Config): HeldLock[] {
  const held: HeldLock[] = [];
  try {
    const sqlite = sqlitePath(config);
    // The setting that named the file: another data directory does not help a sqlite: URL.
    const setting = databaseSetting(config);
    if (sqlite !== undefined && sqlite !== ':memory:')
      held.push(
        holdLock(`${sqlite}.lock`, {
          inUse: `another Kiln server uses the database ${sqlite}: stop it, or give this one another ${setting} (several servers share one PostgreSQL database, never a SQLite one)`,
          setting,
        }),
      );
    // Unset, the work directory is work/ in the data directory: KILN_DATA_DIR is what chose it.
    const workSetting = config.workDir === undefined ? 'KILN_DATA_DIR' : 'KILN_WORK_DIR';
    if (config.runnerSlots > 0) held.push(holdWorkDir(localWorkDir(config), workSetting));
    return held;
  } catch (error) {
    for (const lock of held) lock.release();
    throw error;
  }
}

/**
 * Opens the store, creates the first admin when the store is empty, ends the builds this server's
 * runner held when it last stopped, and starts listening and running builds.
 */
export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  await checkPortFree(config.host, config.port);
  const held = holdOwnFiles(config);
  const releaseHeld = () => held.forEach((lock) => lock.release());
  // What a start that fails partway has opened, closed again (last first) before the locks go:
  // an embedding process that starts again must not find the first attempt's store still open.
  const opened: (() => unknown)[] = [];
  try {
    const server = await startHolding(config, options, opened);
    return { ...server, close: () => server.close().finally(releaseHeld) };
  } catch (error) {
    for (const close of opened.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
    releaseHeld();
    throw error;
  }
}

/** Why a server whose KILN_SECRET_KEY cannot open the database's secrets does not start. */
function wrongSecretKey(config: Config, fingerprint: string): string {
  const which =
    config.secretKey === undefined
      ? `KILN_SECRET_KEY (unset: the key in ${resolve(config.dataDir, 'secret.key')})`
      : 'KILN_SECRET_KEY';
  return (
    `${which} is not the key that sealed the secrets stored in the database (access keys, webhook secrets, notification settings, files, job secrets): ` +
    'start Kiln with the key that sealed them; every server of a cluster needs the same KILN_SECRET_KEY ' +
    `(if that key is lost: start one server once with KILN_SECRET_KEY_REPLACED=${fingerprint} to make this key the database's)`
  );
}

async function startHolding(
  config: Config,
  options: ServeOptions,
  opened: (() => unknown)[],
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'kiln' } });
  // First (after the locks, which make only the data and work directories), so that a machine
  // that cannot sandbox builds says so before anything else happens.
  const runnerSetup =
    config.runnerSlots > 0
      ? await runnerOptions(config, {
          slots: config.runnerSlots,
          workDir: localWorkDir(config),
          path: config.buildPath ?? defaultBuildPath(process.env.PATH),
          logger,
          hidden: hiddenFromBuilds(config),
        })
      : undefined;
  const tightened = usesDataDir(config) ? secureDataDir(resolve(config.dataDir)) : [];
  if (tightened.length > 0)
    logger.warn(
      { paths: tightened },
      'others could read Kiln data: permissions tightened (0700 directory, 0600 files)',
    );
  if (config.passwordCost < DEFAULT_PASSWORD_COST)
    logger.warn(
      { passwordCost: config.passwordCost },
      `KILN_PASSWORD_COST is below ${DEFAULT_PASSWORD_COST}, OWASP's minimum for scrypt: new password hashes are quick to crack (for test servers only)`,
    );
  const storage = await openStorage(config, logger);
  opened.push(() => storage.close());
  const secretKey = config.secretKey ?? readOrCreateSecretKey(resolve(config.dataDir));
  const clock = options.clock ?? systemClock;
  const box = new SecretBox(secretKey);
  const keyCheck = await checkSecretKey(storage, box, clock.now(), config.secretKeyReplaced);
  if (keyCheck.outcome === 'refused')
    throw new StartRefusedError(wrongSecretKey(config, keyCheck.fingerprint));
  if (keyCheck.outcome === 'replaced')
    logger.warn(
      'KILN_SECRET_KEY_REPLACED: KILN_SECRET_KEY is now the key of this database; secrets sealed with the old key stay unreadable until given again. Remove KILN_SECRET_KEY_REPLACED',
    );
  if (keyCheck.outcome === 'left set')
    logger.warn(
      'KILN_SECRET_KEY_REPLACED is set, and KILN_SECRET_KEY is the key of this database: remove the setting (it fits no more, and changes nothing)',
    );
  const artifactStore = await openArtifactStore(config);
  opened.push(() => artifactStore.close());
  // Links in notifications: the public URL, else the address this server listens at (known later).
  let listening = '';
  const engine = createEngine({
    storage,
    clock,
    timeZone: config.timeZone,
    secretKey,
    leaseMs: config.runnerLeaseSeconds * 1000,
    logMaxBytes: config.logMaxBytes,
    artifactBlobs: artifactStore.blobs,
    artifactMaxBytes: config.artifactMaxBytes,
    artifactBuildMaxBytes: config.artifactBuildMaxBytes,
    recycleBinDays: config.recycleBinDays,
    maxJobsPerProject: config.maxJobsPerProject,
    fileMaxBytes: config.fileMaxBytes,
    notices: {
      server: config.serverName ?? `${hostname()}-${config.port}`,
      linkBase: () => config.publicUrl ?? listening,
      mail: config.smtpHost
        ? smtpMail(
            {
              host: config.smtpHost,
              port: config.smtpPort,
              security: config.smtpSecurity,
              user: config.smtpUser,
              password: config.smtpPassword,
              from: config.smtpFrom,
            },
            storage,
          )
        : undefined,
    },
    logger,
    passwordCost: config.passwordCost,
  });
  const metrics = createMetrics(engine);

  const boot = await engine.directory.bootstrap(config.adminPassword);
  if (boot.generatedPassword) {
    (options.notice ?? ((l) => process.stdout.write(`${l}\n`)))(
      `Kiln created the user "admin" with the password ${boot.generatedPassword} (shown only now; set KILN_ADMIN_PASSWORD to choose it)`,
    );
  }
  const sealed = await engine.sealStoredSecrets();
  if (sealed.jobs + sealed.builds + sealed.versions > 0)
    logger.info(sealed, 'secrets stored in the clear by an earlier version are now sealed');
  const runnerId = `local:${config.serverName ?? `${hostname()}-${config.port}`}`;
  await engine.dispatch.recoverRunner(runnerId); // the engine logs what it ended or queued again

  const runner = runnerSetup
    ? new Runner(engine.dispatch.peer(runnerId), { ...runnerSetup, runnerId })
    : undefined;
  const app = await createApp({
    engine,
    logger,
    metrics,
    ...(config.publicUrl && { publicUrl: config.publicUrl }),
    rateLimitPerMinute: config.rateLimit,
    trustProxy: config.trustProxy,
    webRoot: WEB_ROOT,
  });
  opened.push(() => app.close());
  await engine.start();
  opened.push(() => engine.stop());
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  listening = url;

  runner?.start();
  logger.info(
    {
      host: config.host,
      port,
      store: storage.dialect,
      artifacts: artifactStore.where,
      runner: runner ? runnerId : 'none',
    },
    'kiln listening',
  );
  return {
    url,
    app,
    engine,
    async close() {
      await Promise.all([app.close(), runner?.stop()]);
      await engine.stop();
      artifactStore.close();
      await storage.close();
    },
  };
}
