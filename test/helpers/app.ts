import type { NoticeSenderOptions } from '../../src/engine/notice-sender.ts';
import { smtpMail, type SmtpSettings } from '../../src/engine/notice-mail.ts';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Clock } from '../../src/domain/clock.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { PasswordWorkLimits } from '../../src/engine/password-work.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createApp } from '../../src/server/app.ts';
import { buildInfoRecordRenderer } from '../../src/server/mappers/record.mapper.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import type { ArtifactBlobStore, QueryObserver, Storage } from '../../src/storage/ports.ts';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { createMigratedTestDatabase } from './postgres.ts';
import { TEST_PASSWORD_COST, testRunnerOptions } from './runner.ts';

/** A clock tests can move: fixed at `current`, or (`TestClock.live()`) the real time plus any advance. */
export class TestClock implements Clock {
  private live = false;
  constructor(public current = Date.UTC(2024, 5, 1, 12, 0, 0)) {}
  /** Real time that `advance` can push forward (for runs with real processes). */
  static live(): TestClock {
    const c = new TestClock(0);
    c.live = true;
    return c;
  }
  now(): number {
    return this.live ? Date.now() + this.current : this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** The secret key every test server's engine gets (it seals stored secrets). */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789';

/** The admin password every test server starts with. */
export const ADMIN_PASSWORD = 'admin-password-1';

/** An in-process Kiln (real store, real HTTP stack through inject()). */
export interface TestKiln {
  app: FastifyInstance;
  engine: Engine;
  storage: Storage;
  /** Where the server keeps artifact bytes (a directory of the test's own). */
  artifactBlobs: ArtifactBlobStore;
  clock: TestClock;
  /** The local runner's work directory (with `runner`). */
  workDir: string | undefined;
  /**
   * Where the data is: `sqlite:<file>` or the PostgreSQL URL (for tests that read it raw, and for a
   * second server on the same database: `sharedDatabaseUrl`).
   */
  databaseUrl: string;
  close(): Promise<void>;
  /** A project-scoped token for `name` (admin by default). */
  token(name?: string, password?: string, scope?: 'project' | 'domain', domain?: string): Promise<string>;
  /** inject() with a token. */
  call(token: string | undefined, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Id of the bootstrap `default` project. */
  defaultProjectId(): Promise<string>;
}

export interface TestKilnOptions {
  store?: 'sqlite' | 'postgres';
  timeZone?: string;
  clock?: TestClock;
  rateLimitPerMinute?: number;
  /** A built dashboard to serve at / (web/dist or a stand-in). */
  webRoot?: string;
  /** KILN_TRUST_PROXY as parsed. */
  trustProxy?: boolean | number | string[];
  /** Start the engine's loops and a local runner with real processes (`env`: its KILN_* settings). */
  runner?: { slots: number; env?: Record<string, string> };
  leaseMs?: number;
  logMaxBytes?: number;
  /** KILN_MAX_JOBS_PER_PROJECT (default: no limit). */
  maxJobsPerProject?: number;
  /** Limits of the sign-in password work (the engine's defaults when unset). */
  passwordWork?: PasswordWorkLimits;
  /** The engine's and the local runner's service log (silent unless KILN_TEST_LOG is set). */
  logger?: Logger;
  /** Another server on this PostgreSQL database (made by a first TestKiln), which it leaves in place. */
  sharedDatabaseUrl?: string;
  /** Sees every statement the store runs (tests that count a request's queries). */
  onQuery?: QueryObserver;
  /** The largest artifact the server keeps (the engine's default when unset). */
  artifactMaxBytes?: number;
  /** The most bytes of artifacts a build keeps (the engine's default when unset). */
  artifactBuildMaxBytes?: number;
  /** Artifact bytes go to this store instead of a directory of the test's own. */
  artifactBlobs?: ArtifactBlobStore;
  /** How the engine sends notifications (its defaults when unset; links to http://kiln.test). */
  notices?: Partial<NoticeSenderOptions>;
  /** MAIL notifications go through this SMTP server. */
  smtp?: SmtpSettings;
}

/** Starts an in-process Kiln on a fresh database. */
export async function createTestKiln(options: TestKilnOptions = {}): Promise<TestKiln> {
  let storage: Storage;
  let drop: () => Promise<void>;
  let databaseUrl: string;
  if (options.sharedDatabaseUrl) {
    databaseUrl = options.sharedDatabaseUrl;
    storage = await createPostgresStorage({
      url: options.sharedDatabaseUrl,
      poolSize: 5,
      records: buildInfoRecordRenderer,
      ...(options.onQuery && { onQuery: options.onQuery }),
    });
    drop = async () => {};
  } else if (options.store === 'postgres') {
    const db = await createMigratedTestDatabase();
    storage = await createPostgresStorage({
      url: db.url,
      poolSize: 5,
      records: buildInfoRecordRenderer,
      ...(options.onQuery && { onQuery: options.onQuery }),
    });
    drop = db.drop;
    databaseUrl = db.url;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-test-'));
    storage = await createSqliteStorage({
      path: join(dir, 'kiln.db'),
      records: buildInfoRecordRenderer,
      ...(options.onQuery && { onQuery: options.onQuery }),
    });
    databaseUrl = `sqlite:${join(dir, 'kiln.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const clock = options.clock ?? (options.runner ? TestClock.live() : new TestClock());
  const artifactDir = mkdtempSync(join(tmpdir(), 'kiln-artifacts-'));
  const artifactBlobs = options.artifactBlobs ?? new FsArtifactBlobs(artifactDir);
  const engine = createEngine({
    artifactBlobs,
    ...(options.artifactMaxBytes !== undefined && { artifactMaxBytes: options.artifactMaxBytes }),
    ...(options.artifactBuildMaxBytes !== undefined && {
      artifactBuildMaxBytes: options.artifactBuildMaxBytes,
    }),
    storage,
    clock,
    timeZone: options.timeZone ?? 'UTC',
    secretKey: TEST_SECRET_KEY,
    passwordCost: TEST_PASSWORD_COST,
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.logMaxBytes !== undefined && { logMaxBytes: options.logMaxBytes }),
    ...(options.maxJobsPerProject !== undefined && { maxJobsPerProject: options.maxJobsPerProject }),
    ...(options.passwordWork && { passwordWork: options.passwordWork }),
    ...(options.logger && { logger: options.logger }),
    notices: {
      linkBase: () => 'http://kiln.test',
      ...(options.smtp && { mail: smtpMail(options.smtp, storage) }),
      ...options.notices,
    },
  });
  await engine.directory.bootstrap(ADMIN_PASSWORD);
  const app = await createApp({
    engine,
    logger: pino({ level: process.env.KILN_TEST_LOG ?? 'silent' }),
    metrics: createMetrics(engine),
    ...(options.rateLimitPerMinute && { rateLimitPerMinute: options.rateLimitPerMinute }),
    ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
    ...(options.webRoot && { webRoot: options.webRoot }),
  });
  await app.ready();
  let runner: Runner | undefined;
  let workDir: string | undefined;
  if (options.runner) {
    await engine.start();
    workDir = mkdtempSync(join(tmpdir(), 'kiln-work-'));
    runner = new Runner(engine.dispatch.peer('local:test'), {
      ...(await testRunnerOptions(options.runner.slots, options.runner.env, workDir)),
      runnerId: 'local:test',
      ...(options.logger && { logger: options.logger }),
    });
    runner.start();
  }
  const kiln: TestKiln = {
    app,
    engine,
    storage,
    artifactBlobs,
    clock,
    workDir,
    databaseUrl,
    async close() {
      await runner?.stop();
      await engine.stop();
      await app.close();
      await storage.close();
      await drop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      rmSync(artifactDir, { recursive: true, force: true });
    },
    async token(name = 'admin', password = ADMIN_PASSWORD, scope = 'project', domain = 'default') {
      const res = await app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name, password, domain: { name: domain } } },
            },
            scope: scope === 'project' ? { project: { name: 'local' } } : { domain: { name: domain } },
          },
        },
      });
      if (res.statusCode !== 201) throw new Error(`login of ${name} failed: ${res.statusCode} ${res.body}`);
      return String(res.headers['x-subject-token']);
    },
    call(token, opts) {
      return app.inject({ ...opts, headers: { ...(token && { 'x-auth-token': token }), ...opts.headers } });
    },
    async defaultProjectId() {
      const p = await storage.domains.findByName('default');
      const list = await storage.projects.listVisible('', p?.id ?? '', true, { offset: 0, limit: 10 });
      return list.items.find((i) => i.project.name === 'default')?.project.id ?? '';
    },
  };
  return kiln;
}

/** A minimal valid job document. */
export function jobBody(projectId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    project_id: projectId,
    job_name: 'hello',
    arch: 'x86-64',
    scms: [{ url: 'https://example.com/repo.git', scm_type: 'git', branch: 'main' }],
    steps: [{ module_id: 'kiln.shell', name: 'say hello', properties: { command: 'echo hello' } }],
    ...overrides,
  };
}
