import { isIP } from 'node:net';
import { isValidTimeZone, MAX_RECYCLE_BIN_DAYS } from '../domain/time.ts';
import { parseToolsSetting } from '../domain/tools.ts';
import { MAX_FILE_BYTES } from '../domain/keystore.ts';
import { DEFAULT_ARTIFACT_BUILD_MAX_BYTES, DEFAULT_ARTIFACT_MAX_BYTES } from '../domain/artifact.ts';
import { DEFAULT_PASSWORD_COST, MAX_PASSWORD_COST, MIN_PASSWORD_COST } from '../engine/passwords.ts';

/**
 * Every setting of Kiln: one declaration per option (environment name, default, help, check),
 * parsed once at start into a frozen object. Every bad value is reported at once.
 * docs/configuration.md is generated from the same table (a test compares them).
 */

type Parse<T> = (text: string) => T | { error: string };

interface Option<T> {
  env: string;
  help: string;
  /** Default as the user would write it; undefined = unset. */
  default?: string;
  /** Never echoed back in errors or logs. */
  secret?: boolean;
  /** How a refused value is shown in errors, when not as given (a URL's password is hidden). */
  shown?: (text: string) => string;
  parse: Parse<T>;
}

const text: Parse<string> = (t) => t;
const int =
  (min: number, max: number): Parse<number> =>
  (t) =>
    /^\d+$/.test(t) && Number(t) >= min && Number(t) <= max
      ? Number(t)
      : { error: `must be a whole number from ${min} to ${max}` };
const oneOf =
  <T extends string>(values: readonly T[]): Parse<T> =>
  (t) =>
    (values as readonly string[]).includes(t) ? (t as T) : { error: `must be one of ${values.join(', ')}` };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const onOff = oneOf(['on', 'off'] as const);
/** An http(s) URL, without trailing slashes. */
const httpUrl: Parse<string> = (t) =>
  /^https?:\/\/[^\s/]+/.test(t) ? t.replace(/\/+$/, '') : { error: 'must be an http(s) URL' };
/** Absolute paths separated by `:` (empty: none). */
const pathList: Parse<string[]> = (t) => {
  const paths = t.split(':').filter((p) => p !== '');
  const bad = paths.find((p) => !p.startsWith('/'));
  return bad === undefined
    ? paths
    : { error: `must be absolute paths separated by ':' (${JSON.stringify(bad)} is not)` };
};
const GIB = 1024 ** 3;
/** A URL with the password of its user info replaced by ***. */
/** A database URL as logs and messages may show it. */
export const withoutPassword = (t: string): string => t.replace(/([^:/@]*):[^/]*@/, '$1:***@');

/** Which proxies' X-Forwarded-For (and -Proto, -Host) to believe: none, all, the nearest N hops, or these addresses. */
export type TrustProxy = boolean | number | string[];

/** proxy-addr's names for address ranges (Fastify passes them on). */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.includes(entry) || isIP(entry) !== 0) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const trustProxy: Parse<TrustProxy> = (t) => {
  if (t === 'false') return false;
  if (t === 'true') return true;
  if (/^\d+$/.test(t)) {
    const hops = Number(t);
    return hops >= 1 && hops <= 32 ? hops : { error: 'a hop count must be from 1 to 32' };
  }
  const entries = t.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isProxyAddress(e));
  return bad.length === 0
    ? entries
    : {
        error: `must be false, true, a hop count, or a comma-separated list of IP addresses, CIDR ranges or loopback/linklocal/uniquelocal; not an address: ${bad.join(', ')}`,
      };
};

/** The option table. */
export const OPTIONS = {
  host: { env: 'KILN_HOST', default: '127.0.0.1', help: 'Address the HTTP server listens on', parse: text },
  port: {
    env: 'KILN_PORT',
    default: '8080',
    help: 'Port the HTTP server listens on (0 picks a free one)',
    parse: int(0, 65535),
  },
  dataDir: {
    env: 'KILN_DATA_DIR',
    default: './data',
    help: 'Directory for the SQLite database, the generated secret key and build workspaces (kept 0700, its secret files 0600); a second server on the same SQLite database is refused; not in a KILN_SANDBOX_READ_ONLY or KILN_LOCAL_REPOSITORIES directory (nor /usr, /etc or /opt, for a runner that is not root) when the server runs builds',
    parse: (t: string) => (t.trim() === '' ? { error: 'must not be empty' } : t),
  },
  databaseUrl: {
    env: 'KILN_DATABASE_URL',
    shown: withoutPassword,
    help: 'postgres://user@host:5432/db for PostgreSQL; default: SQLite file kiln.db in the data directory (or sqlite:/path/file.db)',
    parse: (t: string) =>
      /^postgres(ql)?:\/\//.test(t) || /^sqlite:.+/.test(t)
        ? t
        : { error: 'must start with postgres:// or sqlite:' },
  },
  dbPoolSize: {
    env: 'KILN_DB_POOL_SIZE',
    default: '10',
    help: 'PostgreSQL connections per server',
    parse: int(1, 200),
  },
  timeZone: {
    env: 'KILN_TIMEZONE',
    default: 'UTC',
    help: 'IANA time zone of query times (yyyy-MM-dd HH:mm:ss), daily build numbers and cron schedules (but those with a timeZoneId of their own)',
    parse: (t: string) =>
      isValidTimeZone(t) ? t : { error: 'must be an IANA time zone name such as UTC or Europe/Paris' },
  },
  adminPassword: {
    env: 'KILN_ADMIN_PASSWORD',
    secret: true,
    help: 'Password of the admin user created on first start; a random one is printed once when unset',
    parse: (t: string) => (t.length >= 8 ? t : { error: 'must be at least 8 characters' }),
  },
  passwordCost: {
    env: 'KILN_PASSWORD_COST',
    default: String(DEFAULT_PASSWORD_COST),
    help: "Cost of new password hashes, log2 of scrypt's N: 17 (128 MiB and a few hundred ms of CPU a hash) is OWASP's minimum, 18 twice that; below 17 only for throwaway test servers (Kiln warns at start). A user's hash of another cost is replaced at their next sign-in",
    parse: int(MIN_PASSWORD_COST, MAX_PASSWORD_COST),
  },
  secretKey: {
    env: 'KILN_SECRET_KEY',
    secret: true,
    help: 'Key that encrypts stored secrets (access keys, webhook secrets, sensitive parameter values, credentials in repository URLs, notification settings, files); required with PostgreSQL, else generated into the data directory. A server whose key is not the one that sealed the database refuses to start',
    parse: (t: string) => (t.length >= 16 ? t : { error: 'must be at least 16 characters' }),
  },
  secretKeyReplaced: {
    env: 'KILN_SECRET_KEY_REPLACED',
    help: "After the key that sealed the database was lost: the fingerprint a start with another key prints when refused; one start with it takes KILN_SECRET_KEY as the database's key from now on (secrets sealed with the lost key stay unreadable: give them again). It fits once: a later start with a wrong key is refused whatever it says. Remove it after",
    parse: (t: string) =>
      /^[0-9a-f]{16}$/.test(t) ? t : { error: 'must be the 16-digit fingerprint a refused start printed' },
  },
  publicUrl: {
    env: 'KILN_PUBLIC_URL',
    help: 'URL clients reach Kiln at (shown in the IAM catalog and webhook URLs, and the link of every notification); default: taken from each request (notification links: the address the server listens at)',
    parse: httpUrl,
  },
  logLevel: { env: 'KILN_LOG_LEVEL', default: 'info', help: 'Log level', parse: oneOf(LOG_LEVELS) },
  runnerSlots: {
    env: 'KILN_RUNNER_SLOTS',
    default: '2',
    help: "Builds this server's own runner runs at once; 0 turns the local runner off (remote runners only)",
    parse: int(0, 256),
  },
  runnerLeaseSeconds: {
    env: 'KILN_RUNNER_LEASE_SECONDS',
    default: '30',
    help: 'A runner that sends no heartbeat for this long loses its builds (they end ABORTED; those it had not started go back to the queue)',
    parse: int(5, 3600),
  },
  artifactMaxBytes: {
    env: 'KILN_ARTIFACT_MAX_BYTES',
    default: String(DEFAULT_ARTIFACT_MAX_BYTES),
    help: 'Largest artifact a build may keep (upload_artifact); a larger file fails its step, saying so',
    parse: int(1, 2 ** 50),
  },
  artifactBuildMaxBytes: {
    env: 'KILN_ARTIFACT_BUILD_MAX_BYTES',
    default: String(DEFAULT_ARTIFACT_BUILD_MAX_BYTES),
    help: "Bytes of artifacts one build may keep, together (a file that would take it past them fails its step, saying so); as many as they take of the store's disk",
    parse: int(1, 2 ** 50),
  },
  artifactDir: {
    env: 'KILN_ARTIFACT_DIR',
    help: 'Where artifact bytes are kept (with KILN_ARTIFACT_S3_BUCKET, only unfinished uploads: parts/); default: artifacts/ in the data directory. With several servers, a directory all of them mount at the same path, or S3',
    parse: (t: string) => (t.trim() === '' ? { error: 'must not be empty' } : t),
  },
  artifactS3Bucket: {
    env: 'KILN_ARTIFACT_S3_BUCKET',
    help: 'Keeps artifact bytes in this bucket of S3-compatible object storage instead of the filesystem (for several servers); unfinished uploads still wait on the server that receives them',
    parse: (t: string) =>
      /^[\w.-]{1,255}$/.test(t) ? t : { error: 'must be a bucket name (letters, digits, . _ -)' },
  },
  artifactS3Endpoint: {
    env: 'KILN_ARTIFACT_S3_ENDPOINT',
    help: "URL of the S3-compatible server (MinIO, Ceph, a cloud's S3 endpoint); default: AWS S3 in KILN_ARTIFACT_S3_REGION",
    parse: httpUrl,
  },
  artifactS3Region: {
    env: 'KILN_ARTIFACT_S3_REGION',
    default: 'us-east-1',
    help: "The bucket's region (what the S3 server expects in request signatures)",
    parse: (t: string) =>
      /^[\w-]{1,64}$/.test(t) ? t : { error: 'must be a region name such as eu-west-1' },
  },
  artifactS3Prefix: {
    env: 'KILN_ARTIFACT_S3_PREFIX',
    default: '',
    help: "Folder of the bucket the artifacts go under (kiln/artifacts: objects kiln/artifacts/<id>); default: the bucket's root. Kiln deletes the objects under it that no artifact names",
    parse: (t: string) =>
      /^[\w./-]{0,512}$/.test(t) && !t.split('/').includes('..')
        ? t.replace(/^\/+|\/+$/g, '')
        : { error: "must be a folder name: letters, digits, . _ - and '/'" },
  },
  artifactS3AccessKeyId: {
    env: 'KILN_ARTIFACT_S3_ACCESS_KEY_ID',
    help: "Access key of the bucket's user; default: the AWS SDK's chain (AWS_ACCESS_KEY_ID, ~/.aws, an instance or pod role)",
    parse: text,
  },
  artifactS3SecretAccessKey: {
    env: 'KILN_ARTIFACT_S3_SECRET_ACCESS_KEY',
    secret: true,
    help: 'Secret of KILN_ARTIFACT_S3_ACCESS_KEY_ID (set both or neither)',
    parse: text,
  },
  artifactS3ForcePathStyle: {
    env: 'KILN_ARTIFACT_S3_FORCE_PATH_STYLE',
    default: 'off',
    help: 'on: the bucket goes in the URL path (endpoint/bucket/key), as most self-hosted S3 servers need; off: in the host name (bucket.endpoint), as AWS prefers',
    parse: onOff,
  },
  artifactS3Direct: {
    env: 'KILN_ARTIFACT_S3_DIRECT',
    default: 'on',
    help: 'on: runners send artifacts straight into the bucket and download_artifact fetches them straight from it, with presigned URLs good for 15 minutes (the bytes never pass through a server; a runner that cannot reach the store goes through the server instead); off: always through the server',
    parse: onOff,
  },
  artifactS3RunnerEndpoint: {
    env: 'KILN_ARTIFACT_S3_RUNNER_ENDPOINT',
    help: 'URL at which runners reach the S3-compatible server, when not KILN_ARTIFACT_S3_ENDPOINT (the presigned URLs name it); default: KILN_ARTIFACT_S3_ENDPOINT',
    parse: httpUrl,
  },
  maxJobsPerProject: {
    env: 'KILN_MAX_JOBS_PER_PROJECT',
    default: '0',
    help: 'The most jobs a project may have (those in the recycle bin do not count); creating, copying or restoring one more is refused, and CheckJobCountIsTopLimit says so. 0: no limit',
    parse: int(0, 1_000_000),
  },
  recycleBinDays: {
    env: 'KILN_RECYCLE_BIN_DAYS',
    default: '30',
    help: "A deleted job stays this many days in the recycle bin (restorable, with its builds, logs and artifacts); then it and its history are deleted for good. A domain's administrators may set their own (SetKeepTime)",
    parse: int(1, MAX_RECYCLE_BIN_DAYS),
  },
  logMaxBytes: {
    env: 'KILN_LOG_MAX_BYTES',
    default: String(100 * 1024 * 1024),
    help: "Build logs are cut at a line end within this many bytes (a line already under way when the output reaches them, one longer than what is left, is cut where it had got to), with a line saying so; Kiln's own closing lines (each step's end, how much was dropped, the outcome) are still written; the build keeps running",
    parse: int(1024, 2 ** 40),
  },
  workDir: {
    env: 'KILN_WORK_DIR',
    help: 'Where the local runner makes build workspaces; default: work/ in the data directory. One runner per directory: a server or `kiln runner` whose work directory another one uses is refused',
    parse: (t: string) => (t.trim() === '' ? { error: 'must not be empty' } : t),
  },
  buildPath: {
    env: 'KILN_BUILD_PATH',
    help: "PATH that build steps see; default: the server's own PATH without npm's node_modules/.bin entries (no other variable of the server reaches a build)",
    parse: text,
  },
  serverName: {
    env: 'KILN_SERVER_NAME',
    help: 'Stable name of this server: its local runner is local:<name>, and at start it ends the builds that runner held. Default: <host name>-<port>; give each server of a cluster its own',
    parse: (t: string) => (/^[\w.-]{1,64}$/.test(t) ? t : { error: 'must be 1-64 letters, digits, . _ -' }),
  },
  runnerPool: {
    env: 'KILN_RUNNER_POOL',
    default: 'default',
    help: "Pool of this server's runner (or of `kiln runner`): a build.yml whose env.resource has type custom and names another pool waits for a runner of that pool, and fails only when no runner has announced it",
    parse: (t: string) => (/^[\w.-]{1,64}$/.test(t) ? t : { error: 'must be 1-64 letters, digits, . _ -' }),
  },
  sandbox: {
    env: 'KILN_SANDBOX',
    default: 'on',
    help: 'on: every build runs in a sandbox of its own (bubblewrap; see docs/security.md). off: builds run as plain processes of the runner, with its rights (unsafe; Kiln warns at every start)',
    parse: onOff,
  },
  sandboxNetwork: {
    env: 'KILN_SANDBOX_NETWORK',
    default: 'on',
    help: 'on: builds reach the network (and every service the runner host listens on); off: a build has only its own loopback (checkouts still work: the runner fetches)',
    parse: onOff,
  },
  sandboxUid: {
    env: 'KILN_SANDBOX_UID',
    default: '900000',
    help: "When the runner is root: the user id that owns the runner's mirrors; slot n runs its builds as this + 1 + n. No account is needed. Root runners of one host need ranges of their own (builds of one user share its process limit)",
    parse: int(1000, 2 ** 31 - 1024),
  },
  sandboxReadOnly: {
    env: 'KILN_SANDBOX_READ_ONLY',
    default: '',
    help: "Host directories builds may read (':'-separated absolute paths), besides /usr, /etc and /opt. None may hold the data directory, the SQLite database, KILN_ARTIFACT_DIR or a runner's work directory, nor lie in one (nor may /usr, /etc or /opt, for a runner that is not root): Kiln then refuses to run builds, saying which",
    parse: pathList,
  },
  localRepositories: {
    env: 'KILN_LOCAL_REPOSITORIES',
    default: '',
    help: "Directories (':'-separated absolute paths) whose repositories jobs may name by path or file:// URL; default none. A repository must be readable by the sandbox's user. None may hold the data directory, the SQLite database, KILN_ARTIFACT_DIR or a runner's work directory (a job could name another build's workspace as its repository), nor lie in one: Kiln then refuses to run builds, saying which",
    parse: pathList,
  },
  buildMaxProcesses: {
    env: 'KILN_BUILD_MAX_PROCESSES',
    default: '1024',
    help: 'Processes a build may have at once; reaching it ends the build FAILURE',
    parse: int(16, 1_000_000),
  },
  buildMaxDiskBytes: {
    env: 'KILN_BUILD_MAX_DISK_BYTES',
    default: String(20 * GIB),
    help: "Bytes a build's workspace, HOME and /tmp may take (checked every 2 s, less often for a tree that takes long to walk; files removed but still open or mapped count, as far as the runner sees them; also the largest file a build may write); past it the build ends FAILURE",
    parse: int(1024 * 1024, 2 ** 50),
  },
  buildMaxFiles: {
    env: 'KILN_BUILD_MAX_FILES',
    default: '1000000',
    help: "Files and directories a build's workspace, HOME and /tmp may hold (each takes an inode of the runner's disk; checked with the bytes); past it the build ends FAILURE",
    parse: int(1000, 1_000_000_000),
  },
  buildShmBytes: {
    env: 'KILN_BUILD_SHM_BYTES',
    default: String(64 * 1024 * 1024),
    help: "Size of a build's /dev/shm: memory, outside the disk limit, that each running build may fill. The default is Docker's; headless Chromium and PyTorch's data loaders may want more (or Chromium's --disable-dev-shm-usage)",
    parse: int(1024 * 1024, 2 ** 40),
  },
  runnerTools: {
    env: 'KILN_RUNNER_TOOLS',
    default: '',
    help: "Tools of the runner's builds, name=version, comma-separated (maven=3.9.6,jdk=17): added to those it finds on the builds' PATH at start, or replacing their versions; name= says it has none. Steps whose image asks for another major version fail (docs/build-yaml.md)",
    parse: parseToolsSetting,
  },
  mirrorMaxBytes: {
    env: 'KILN_MIRROR_MAX_BYTES',
    default: String(50 * GIB),
    help: "Disk the runner's repository mirrors may take; past it the least recently used are removed, and a fetch that writes a larger file fails",
    parse: int(0, 2 ** 50),
  },
  mirrorMaxAgeDays: {
    env: 'KILN_MIRROR_MAX_AGE_DAYS',
    default: '30',
    help: 'A repository mirror no build used for this many days is removed',
    parse: int(1, 3650),
  },
  fileMaxBytes: {
    env: 'KILN_FILE_MAX_BYTES',
    default: String(1024 * 1024),
    help: 'Largest file the file manager keeps (keystores, settings.xml, .npmrc: UploadKeystore); a larger upload is refused with 413. At most 64 MiB',
    parse: int(1, MAX_FILE_BYTES),
  },
  smtpHost: {
    env: 'KILN_SMTP_HOST',
    help: 'SMTP server that notification mail (the MAIL channel) goes through; unset: Kiln sends no mail, and MAIL notifications fail saying so',
    parse: (t: string) => (/^[\w.:[\]-]{1,255}$/.test(t) ? t : { error: 'must be a host name or address' }),
  },
  smtpPort: {
    env: 'KILN_SMTP_PORT',
    default: '587',
    help: 'Port of the SMTP server (587 for STARTTLS, 465 for TLS, 25 for a local relay)',
    parse: int(1, 65535),
  },
  smtpSecurity: {
    env: 'KILN_SMTP_SECURITY',
    default: 'starttls',
    help: 'starttls: upgrade to TLS, required; tls: TLS from the start; none: no TLS (a relay on this machine or network only)',
    parse: oneOf(['starttls', 'tls', 'none'] as const),
  },
  smtpUser: {
    env: 'KILN_SMTP_USER',
    help: 'User name Kiln signs in to the SMTP server with; unset: no sign-in',
    parse: text,
  },
  smtpPassword: {
    env: 'KILN_SMTP_PASSWORD',
    secret: true,
    help: 'Password of KILN_SMTP_USER',
    parse: text,
  },
  smtpFrom: {
    env: 'KILN_SMTP_FROM',
    default: 'Kiln <kiln@localhost>',
    help: 'The From of notification mail',
    parse: (t: string) => (t.trim() === '' ? { error: 'must not be empty' } : t),
  },
  rateLimit: {
    env: 'KILN_RATE_LIMIT',
    default: '0',
    help: 'Requests per minute allowed from one client address (429 beyond), counted by each server on its own: with N servers behind a balancer a client gets up to N times this; /healthz and /readyz are never limited; 0 turns the limit off',
    parse: int(0, 10_000_000),
  },
  trustProxy: {
    env: 'KILN_TRUST_PROXY',
    default: 'false',
    help: "Behind a reverse proxy or load balancer: whose X-Forwarded-For to believe for the client address the rate limit counts, and X-Forwarded-Proto/-Host for the URLs Kiln shows: false (ignore the headers: a client cannot choose its address), true (every hop), a hop count (the nearest N proxies), or the proxies' addresses/CIDR ranges, comma-separated",
    parse: trustProxy,
  },
} satisfies Record<string, Option<unknown>>;

type Options = typeof OPTIONS;
type Value<O> = O extends Option<infer T> ? T : never;

/** The parsed configuration. Options without a default and not set are undefined. */
export type Config = Readonly<{
  [K in keyof Options]: Options[K] extends { default: string }
    ? Value<Options[K]>
    : Value<Options[K]> | undefined;
}>;

/** Every bad option, listed at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The settings `kiln runner` reads from its environment (the rest are the server's). */
export const RUNNER_OPTION_KEYS = [
  'runnerPool',
  'sandbox',
  'sandboxNetwork',
  'sandboxUid',
  'sandboxReadOnly',
  'localRepositories',
  'buildMaxProcesses',
  'buildMaxDiskBytes',
  'buildMaxFiles',
  'buildShmBytes',
  'mirrorMaxBytes',
  'mirrorMaxAgeDays',
  'runnerTools',
] as const satisfies readonly (keyof Options)[];

/** The runner's settings. */
export type RunnerConfig = Pick<Config, (typeof RUNNER_OPTION_KEYS)[number]>;

/** Parses the settings of `kiln runner` (every bad one reported at once). */
export function parseRunnerConfig(env: Record<string, string | undefined>): RunnerConfig {
  return parseOptions(env, RUNNER_OPTION_KEYS) as RunnerConfig;
}

/** Parses the environment (only the KILN_* names of the table are read). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseOptions(env, Object.keys(OPTIONS) as (keyof Options)[]) as Config;
}

function parseOptions(env: Record<string, string | undefined>, keys: readonly (keyof Options)[]): unknown {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of keys) {
    const option: Option<unknown> = OPTIONS[key];
    const raw = env[option.env];
    const given = raw !== undefined && raw !== '' ? raw : option.default;
    if (given === undefined) continue;
    const value = option.parse(given);
    if (value && typeof value === 'object' && 'error' in value) {
      const shown = option.secret ? '' : `=${JSON.stringify(option.shown ? option.shown(given) : given)}`;
      problems.push(`${option.env}${shown}: ${value.error}`);
    } else {
      out[key] = value;
    }
  }
  // A key given but refused has its own problem above; this one is for a key not given.
  if (/^postgres/.test(String(out.databaseUrl ?? '')) && !env.KILN_SECRET_KEY) {
    problems.push(
      'KILN_SECRET_KEY: must be set when KILN_DATABASE_URL is PostgreSQL (every server needs the same key)',
    );
  }
  problems.push(...s3Problems(out));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out);
}

/** S3 settings that cannot work as given: half a key pair, or settings without a bucket. */
function s3Problems(out: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if ((out.artifactS3AccessKeyId === undefined) !== (out.artifactS3SecretAccessKey === undefined))
    problems.push(
      'KILN_ARTIFACT_S3_ACCESS_KEY_ID and KILN_ARTIFACT_S3_SECRET_ACCESS_KEY: set both, or neither (the AWS SDK then finds credentials itself)',
    );
  if (out.artifactS3Bucket === undefined) {
    const given = (['artifactS3Endpoint', 'artifactS3Prefix', 'artifactS3AccessKeyId'] as const).filter(
      (k) => out[k] !== undefined && out[k] !== '',
    );
    for (const key of given)
      problems.push(`${OPTIONS[key].env}: takes effect only with KILN_ARTIFACT_S3_BUCKET, which is not set`);
  }
  return problems;
}

/** The option table as documentation rows. */
export function optionRows(): { env: string; default: string; help: string }[] {
  return Object.values(OPTIONS).map((o: Option<unknown>) => ({
    env: o.env,
    default: o.default ?? '',
    help: o.help,
  }));
}
