import { DEFAULT_ARTIFACT_BUILD_MAX_BYTES, DEFAULT_ARTIFACT_MAX_BYTES } from '../domain/artifact.ts';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { ActiveCounts } from '../domain/build.ts';
import type { Clock } from '../domain/clock.ts';
import { maskedError } from '../domain/log-masking.ts';
import { OutageWatch } from '../domain/outage.ts';
import type { ArtifactBlobStore, Storage } from '../storage/ports.ts';
import { AccessKeyService } from './access-key-service.ts';
import { ArtifactService } from './artifact-service.ts';
import { FLOW_SWEEP_MS, FlowService } from './flow-service.ts';
import { AuthService } from './auth-service.ts';
import { BuildEvents } from './build-events.ts';
import { BUILD_RETENTION_SWEEP_MS, BuildRetentionService } from './build-retention.ts';
import { BuildService } from './build-service.ts';
import { DirectoryService } from './directory-service.ts';
import { DispatchService } from './dispatch-service.ts';
import { ImportService } from './import-service.ts';
import { JobLimit } from './job-limit.ts';
import { JobService } from './job-service.ts';
import { JobGroupService } from './job-group-service.ts';
import { JobPermissionService } from './job-permission-service.ts';
import { BadgeService } from './badge-service.ts';
import { BuildReportService } from './build-report-service.ts';
import { TestReportService } from './test-report-service.ts';
import { LogService } from './log-service.ts';
import { PasswordWork, type PasswordWorkLimits } from './password-work.ts';
import { DEFAULT_PASSWORD_COST } from './passwords.ts';
import { RecordsService } from './records-service.ts';
import { RunnerService } from './runner-service.ts';
import { DEFAULT_RECYCLE_BIN_DAYS, PURGE_SWEEP_MS, RecycleBinService } from './recycle-bin-service.ts';
import { Scheduler } from './scheduler.ts';
import { SecretBox } from './secret-box.ts';
import { sealPlaintextSecrets, StoredSecrets } from './stored-secrets.ts';
import { WebhookService } from './webhook-service.ts';
import { NoticeSender, type NoticeSenderOptions } from './notice-sender.ts';
import { NoticeService } from './notice-service.ts';
import { KeystoreService } from './keystore-service.ts';
import { TemplateService } from './template-service.ts';

/** What the engine is built from. */
export interface EngineDeps {
  storage: Storage;
  clock: Clock;
  /** IANA zone of wall-clock query times, daily build numbers and cron schedules. */
  timeZone: string;
  /**
   * The server secret that encrypts stored secrets (access keys, webhook secrets, sensitive
   * parameter values, repository URLs with credentials).
   */
  secretKey: string;
  /** log2 of scrypt's N for new password hashes. */
  passwordCost?: number;
  /** How much sign-in password work may be under way (default DEFAULT_PASSWORD_WORK). */
  passwordWork?: PasswordWorkLimits;
  /** A runner that does not renew its lease for this long loses its builds (default 30 s). */
  leaseMs?: number;
  /** Where artifact bytes are kept; without one, upload_artifact steps fail saying so. */
  artifactBlobs?: ArtifactBlobStore;
  /** The largest artifact kept (default 10 GiB). */
  artifactMaxBytes?: number;
  /** The most bytes of artifacts one build keeps (default 50 GiB). */
  artifactBuildMaxBytes?: number;
  /** Days a deleted job stays in the recycle bin (default DEFAULT_RECYCLE_BIN_DAYS). */
  recycleBinDays?: number;
  /** The most live jobs a project may have; 0 or absent: no limit. */
  maxJobsPerProject?: number;
  /** Build logs are cut at this many bytes (default 100 MB). */
  logMaxBytes?: number;
  /** The largest file the file manager keeps (default 1 MiB; at most MAX_FILE_BYTES). */
  fileMaxBytes?: number;
  /** How notifications are sent: this server's name, the dashboard's address for links, retries, mail. */
  notices?: Partial<NoticeSenderOptions>;
  /** Where background loops report failures (each one; the logger gets each outage once). */
  onError?: (error: unknown, context: string) => void;
  /**
   * The service log: builds claimed, started and finished, schedules fired, pushes ignored,
   * runners lost, the loops' outages. Errors are written with URL credentials masked, and no
   * line carries a token, a parameter value or a plan.
   */
  logger?: Logger;
}

/** The use cases, one service per area; the server and the runners talk only to these. */
export interface Engine {
  auth: AuthService;
  directory: DirectoryService;
  jobs: JobService;
  groups: JobGroupService;
  permissions: JobPermissionService;
  reports: BuildReportService;
  badges: BadgeService;
  tests: TestReportService;
  bin: RecycleBinService;
  records: RecordsService;
  accessKeys: AccessKeyService;
  imports: ImportService;
  builds: BuildService;
  dispatch: DispatchService;
  artifacts: ArtifactService;
  retention: BuildRetentionService;
  flows: FlowService;
  runners: RunnerService;
  logs: LogService;
  scheduler: Scheduler;
  webhooks: WebhookService;
  notices: NoticeService;
  keystores: KeystoreService;
  templates: TemplateService;
  /** Delivers the notification outbox (started with the engine). */
  noticeSender: NoticeSender;
  events: BuildEvents;
  clock: Clock;
  timeZone: string;
  /** Which store the engine runs on. */
  store: string;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
  /** Queued and running builds, for the metrics gauge. */
  activeBuildCounts(): Promise<ActiveCounts>;
  /**
   * Seals the secrets an earlier Kiln stored in the clear (live jobs' documents, unfinished builds'
   * plans); returns how many of each were rewritten. Run once at start.
   */
  sealStoredSecrets(): Promise<{ jobs: number; builds: number; versions: number }>;
  /**
   * Starts the background loops: schedules, lease expiry, token, signature and webhook-delivery
   * purges, the recycle bin's purge, artifact and build retention, cross-server events.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The largest file of the file manager a server keeps unless told otherwise. */
export const DEFAULT_FILE_MAX_BYTES = 1024 * 1024;

/** The largest artifact a server keeps unless told otherwise. */

/** How often the background loops run. */
export const LOOPS = {
  scheduleMs: 1_000,
  leaseSweepMs: 2_000,
  tokenPurgeMs: 3_600_000,
  deliveryPurgeMs: 3_600_000,
  noticeSendMs: 1_000,
} as const;

/** Wires the services over one storage. */
export function createEngine(deps: EngineDeps): Engine {
  const cost = deps.passwordCost ?? DEFAULT_PASSWORD_COST;
  const secrets = new SecretBox(deps.secretKey);
  const stored = new StoredSecrets(secrets);
  const onError = deps.onError ?? (() => {});
  // Each component's logger is a child of the server's own: a child of another child would write
  // its `component` key twice in one line.
  const base = deps.logger ?? pino({ level: 'silent' });
  const componentLog = (component: string) =>
    base.child({ component }, { serializers: { err: maskedError } });
  const log = componentLog('engine');
  const events = new BuildEvents(deps.storage.notifier, (e) => {
    onError(e, 'publishing an event');
    log.debug({ err: e }, 'publishing an event failed (listeners poll)');
  });
  const builds = new BuildService(deps.storage, deps.clock, deps.timeZone, events, stored, (recordId) =>
    flows.stopped(recordId),
  );
  // One line of password work for every hash a request causes (sign-ins, password changes, users).
  const passwordWork = new PasswordWork(deps.passwordWork);
  const auth = new AuthService(deps.storage, deps.clock, cost, passwordWork);
  const accessKeys = new AccessKeyService(deps.storage, deps.clock, secrets);
  const artifacts = new ArtifactService(
    deps.storage,
    deps.clock,
    deps.artifactBlobs,
    {
      fileBytes: deps.artifactMaxBytes ?? DEFAULT_ARTIFACT_MAX_BYTES,
      buildBytes: deps.artifactBuildMaxBytes ?? DEFAULT_ARTIFACT_BUILD_MAX_BYTES,
    },
    log,
    stored,
  );
  const flows = new FlowService(deps.storage, deps.clock, deps.timeZone, events, stored, log);
  const retention = new BuildRetentionService(deps.storage, deps.clock, deps.artifactBlobs, log);
  const keystores = new KeystoreService(
    deps.storage,
    deps.clock,
    secrets,
    deps.fileMaxBytes ?? DEFAULT_FILE_MAX_BYTES,
  );
  const dispatch = new DispatchService(
    deps.storage,
    deps.clock,
    events,
    { leaseMs: deps.leaseMs ?? 30_000, logMaxBytes: deps.logMaxBytes ?? 100 * 1024 * 1024 },
    stored,
    log,
    artifacts,
    flows,
    retention,
    keystores,
  );
  const scheduler = new Scheduler(deps.storage, deps.clock, deps.timeZone, events, stored, log);
  const webhooks = new WebhookService(deps.storage, secrets, builds, deps.clock, log);
  const jobLimit = new JobLimit(deps.maxJobsPerProject ?? 0);
  const linkBase = deps.notices?.linkBase ?? (() => '');
  const noticeSender = new NoticeSender(
    deps.storage,
    deps.clock,
    secrets,
    { server: `${hostname()}:${process.pid}`, ...deps.notices, linkBase },
    componentLog('notices'),
  );
  // A build that ends here is told at once; other events wait for the next second's round.
  events.onFinish(() => noticeSender.kick());
  // Every server hears every build's end: a part of it may be on any of them.
  events.on('finished', (recordId) => {
    artifacts.ended(recordId).catch((e: unknown) => onError(e, 'discarding unfinished uploads'));
  });
  const bin = new RecycleBinService(
    deps.storage,
    deps.clock,
    scheduler,
    deps.artifactBlobs,
    deps.recycleBinDays ?? DEFAULT_RECYCLE_BIN_DAYS,
    jobLimit,
    log,
  );
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, context: string, fn: () => Promise<unknown>) => {
    let busy = false;
    // A store that is down fails the loop every time: the log hears when it starts and ends.
    const outage = new OutageWatch((change) =>
      change.down
        ? log.warn({ err: change.error, loop: context }, `${context} failed; retrying until it works`)
        : log.info({ loop: context, downMs: change.downMs }, `${context} works again`),
    );
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .then(
          () => outage.succeeded(),
          (e: unknown) => {
            onError(e, context);
            outage.failed(e);
          },
        )
        .finally(() => {
          busy = false;
        });
    }, ms);
    t.unref();
    timers.push(t);
  };
  return {
    auth,
    directory: new DirectoryService(deps.storage, deps.clock, cost, passwordWork),
    jobs: new JobService(deps.storage, deps.clock, secrets, stored, events, scheduler, jobLimit),
    groups: new JobGroupService(deps.storage, deps.clock),
    permissions: new JobPermissionService(deps.storage, deps.clock),
    reports: new BuildReportService(deps.storage, deps.clock, deps.timeZone),
    badges: new BadgeService(deps.storage, deps.clock),
    tests: new TestReportService(deps.storage, builds, artifacts),
    bin,
    records: new RecordsService(deps.storage, deps.clock, deps.timeZone),
    accessKeys,
    imports: new ImportService(deps.storage, deps.clock),
    builds,
    dispatch,
    artifacts,
    retention,
    flows,
    runners: new RunnerService(deps.storage, deps.clock),
    logs: new LogService(deps.storage, builds, events),
    scheduler,
    webhooks,
    notices: new NoticeService(deps.storage, deps.clock, secrets, noticeSender, linkBase),
    keystores,
    templates: new TemplateService(deps.storage, deps.clock),
    noticeSender,
    events,
    clock: deps.clock,
    timeZone: deps.timeZone,
    store: deps.storage.dialect,
    ping: () => deps.storage.ping(),
    activeBuildCounts: () => deps.storage.builds.activeCounts(),
    sealStoredSecrets: () => sealPlaintextSecrets(deps.storage, stored),
    async start() {
      await events.start();
      await noticeSender.recover();
      every(LOOPS.scheduleMs, 'firing schedules', () => scheduler.tick());
      every(LOOPS.leaseSweepMs, 'expiring runner leases', () => dispatch.expireLeases());
      every(FLOW_SWEEP_MS, 'moving BuildFlows on', () => flows.sweep());
      every(PURGE_SWEEP_MS, 'deleting jobs from the recycle bin', () => bin.sweep());
      every(LOOPS.tokenPurgeMs, 'purging expired tokens', () => auth.purgeExpired());
      every(LOOPS.deliveryPurgeMs, 'purging old webhook deliveries', () => webhooks.purgeDeliveries());
      every(LOOPS.noticeSendMs, 'sending notifications', () => noticeSender.tick());
      every(LOOPS.deliveryPurgeMs, 'purging old notifications', () => noticeSender.purge());
      every(LOOPS.tokenPurgeMs, 'purging used AK/SK signatures', () => accessKeys.purgeUsedSignatures());
      // Bytes a crash left without a row, and uploads nobody finished: at start, then hourly.
      artifacts.sweep().catch((e: unknown) => onError(e, 'sweeping artifact bytes'));
      every(LOOPS.tokenPurgeMs, 'sweeping artifact bytes', () => artifacts.sweep());
      every(LOOPS.tokenPurgeMs, 'letting artifacts go by retention', () => artifacts.retainAll());
      every(BUILD_RETENTION_SWEEP_MS, 'letting builds go by retention', () => retention.retainAll());
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      await retention.stop();
      await noticeSender.stop();
      await events.stop();
    },
  };
}
