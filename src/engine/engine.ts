import type { Clock } from '../domain/clock.ts';
import type { Storage } from '../storage/ports.ts';
import { AccessKeyService } from './access-key-service.ts';
import { AuthService } from './auth-service.ts';
import { DirectoryService } from './directory-service.ts';
import { ImportService } from './import-service.ts';
import { JobService } from './job-service.ts';
import { DEFAULT_PASSWORD_COST } from './passwords.ts';
import { RecordsService } from './records-service.ts';
import { SecretBox } from './secret-box.ts';

/** What the engine is built from. */
export interface EngineDeps {
  storage: Storage;
  clock: Clock;
  /** IANA zone of wall-clock query times and daily build numbers. */
  timeZone: string;
  /** The server secret that encrypts stored secrets (access keys, webhook secrets). */
  secretKey: string;
  /** log2 of scrypt's N for new password hashes. */
  passwordCost?: number;
}

/** The use cases, one service per area; the server and the runners talk only to these. */
export interface Engine {
  auth: AuthService;
  directory: DirectoryService;
  jobs: JobService;
  records: RecordsService;
  accessKeys: AccessKeyService;
  imports: ImportService;
  clock: Clock;
  timeZone: string;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
  /** Queued and running builds, for the metrics gauge. */
  activeBuildCounts(): Promise<Record<string, number>>;
}

/** Wires the services over one storage. */
export function createEngine(deps: EngineDeps): Engine {
  const cost = deps.passwordCost ?? DEFAULT_PASSWORD_COST;
  const secrets = new SecretBox(deps.secretKey);
  return {
    auth: new AuthService(deps.storage, deps.clock, cost),
    directory: new DirectoryService(deps.storage, deps.clock, cost),
    jobs: new JobService(deps.storage, deps.clock, secrets),
    records: new RecordsService(deps.storage, deps.clock, deps.timeZone),
    accessKeys: new AccessKeyService(deps.storage, deps.clock, secrets),
    imports: new ImportService(deps.storage, deps.clock),
    clock: deps.clock,
    timeZone: deps.timeZone,
    ping: () => deps.storage.ping(),
    activeBuildCounts: () => deps.storage.builds.activeCounts(),
  };
}
