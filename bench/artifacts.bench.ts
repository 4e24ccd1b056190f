import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { benchRepo } from './lib/repo.ts';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/cli.ts';
import { api, firstProjectId } from '../test/helpers/processes.ts';
import { startTestS3, type TestS3 } from '../test/helpers/s3rver.ts';
import { KILN_BIN, login, startProcess, type Served } from './lib/processes.ts';
import { report } from './lib/stats.ts';

/**
 * The artifacts benchmark (issue 14): one file of KILN_BENCH_ARTIFACT_MB MiB (default 1024) of
 * random bytes, through Kiln and through a bare server, in the same run.
 * - Baseline: `curl -T` (PUT) of the file to a bare `node:http` server (bench/transfer-server.ts,
 *   its own process) that streams the body into a file, and `curl -o` of the file from it to a file.
 * - Kiln upload, the two ways users have: (a) the server's own runner; (b) a remote runner (`kiln
 *   runner`, its own process, registered through the API) sending over HTTP. A job's first step
 *   writes the file into the workspace (`head -c N /dev/urandom`, then `sync` of the file, as the
 *   baseline's file is written and synced before its clock starts), its second is upload_artifact
 *   (module 20018). Timed: the upload step, from its start to its end as the server recorded them
 *   (ShowBuildRecordFullStages, ms): the start when the runner reports the step started (just
 *   before it reads the file), the end when it reports it ended: after the server stored, hashed,
 *   fsynced and recorded the artifact and answered. The first step is not timed.
 * - Kiln download: `curl -o` of the artifact from GET /v1/kiln/jobs/{id}/{no}/artifacts/{name}
 *   with a signed-in user's token, to a file, as the baseline's download.
 * curl's `time_total` times its transfers. Each runs KILN_BENCH_ROUNDS times (default 2), the
 * rounds alternating baseline and Kiln; the best of each is compared.
 * The servers' RSS and CPU time (/proc/PID, every 50 ms) during each transfer: RSS growth is the
 * largest sample during it less the last sample before it; the largest growth of the rounds is
 * reported. Also the remote runner's, and the bare server's CPU time.
 * Goal: Kiln >= 0.8 of the baseline's MB/s, the Kiln server's RSS growth < 50 MB.
 *
 * With KILN_BENCH_S3=1, also the question issue 14 leaves open: when artifacts live in an object
 * store, should a remote runner upload through Kiln's runner protocol (as it does: Kiln keeps the
 * part, hashes it, then copies it into the bucket) or straight to the store with a short-lived
 * presigned URL? The store is s3rver (npm, started here). Timed: the remote runner's upload step
 * into a Kiln whose artifacts are in the bucket; `curl -T` of the same file to a presigned PUT URL
 * of the same bucket; and `sha256sum` of the file, which a runner sending straight to the store
 * would add to keep the checksum Kiln records.
 */
const MB = Number(process.env.KILN_BENCH_ARTIFACT_MB ?? 1024);
const BYTES = MB * 1024 * 1024;
const ROUNDS = Number(process.env.KILN_BENCH_ROUNDS ?? 2);
const PASSWORD = 'bench-admin-password';
const UPLOAD = 'devcloud2018.codeci_action_20018.action';
const NAME = 'artifact.bin';
const GOAL_RATIO = 0.8;
const GOAL_RSS_MB = 50;
/** The Node flags `kiln` runs with (its #! line). */
const KILN_NODE_FLAGS = readFileSync(KILN_BIN, 'utf8')
  .split('\n')[0]!
  .split(' ')
  .filter((f) => f.startsWith('--'));
/** About the live heap of the Kiln servers here (V8 heap used, measured with --trace-gc: 32.5 MB). */
const HEAP_MB = 32;
const S3 = process.env.KILN_BENCH_S3 === '1';
/** s3rver's own keys (it checks the signatures made with them). */
const S3_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

/** A transfer: its time, and the Kiln server's RSS growth and CPU time meanwhile. */
interface Transfer {
  ms: number;
  rssGrowthMb: number;
  cpuMs: number;
}

/** RSS (MB) and CPU time so far (user + system, ms) of process `pid`, from /proc. */
function usageOf(pid: number): { mb: number; cpuMs: number } {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { mb: m ? Number(m[1]) / 1024 : 0, cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 };
}

/** The process's RSS and CPU time every 50 ms, with the time of each sample. */
function sampleProcess(pid: number) {
  const samples: Array<{ at: number; mb: number; cpuMs: number }> = [];
  const take = () => samples.push({ at: Date.now(), ...usageOf(pid) });
  take();
  const timer = setInterval(take, 50);
  return {
    /**
     * Within [from, to]: the largest RSS less the last sample before `from`, and the CPU time from
     * that sample to the first one after `to`.
     */
    during(from: number, to: number): { rssGrowthMb: number; cpuMs: number } {
      take();
      const before = samples.filter((s) => s.at < from).at(-1) ?? samples[0]!;
      const after = samples.find((s) => s.at > to) ?? samples.at(-1)!;
      const within = samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.mb);
      return { rssGrowthMb: Math.max(before.mb, ...within) - before.mb, cpuMs: after.cpuMs - before.cpuMs };
    },
    stop: () => clearInterval(timer),
  };
}

/** Runs curl; returns its time_total in ms and the bytes it moved (up or down). */
function curl(args: string[]): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      ['-sS', '--fail', '-w', '%{time_total} %{size_upload} %{size_download}', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`curl ${args.join(' ')}: exit ${code}`));
      const [total, up, down] = out.trim().split(' ').slice(-3).map(Number) as [number, number, number];
      resolve({ ms: total * 1000, bytes: Math.max(up, down) });
    });
  });
}

/** `kiln serve` on SQLite in `dir` (`slots` 0: remote runners only), repositories under `repos`. */
async function startKiln(
  dir: string,
  repos: string,
  slots: number,
  env: Record<string, string> = {},
): Promise<Served> {
  const port = await freePort();
  return startProcess(
    [KILN_BIN, 'serve'],
    {
      KILN_DATA_DIR: join(dir, 'data'),
      KILN_PORT: String(port),
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_RUNNER_SLOTS: String(slots),
      KILN_LOCAL_REPOSITORIES: repos,
      KILN_LOG_LEVEL: 'warn',
      ...env,
    },
    port,
    '/readyz',
  );
}

/** A `kiln runner` process with one slot for `server`, registered through the API. */
async function startRunner(server: Served, token: string, workDir: string, repos: string): Promise<Served> {
  const runnerToken = (
    await api<{ result: { token: string } }>(server.url, token, 'POST', '/v1/kiln/runners', {
      name: 'bench',
    })
  ).result.token;
  const child = spawn(
    KILN_BIN,
    ['runner', '--server', server.url, '--slots', '1', '--work-dir', workDir, '--log-level', 'warn'],
    {
      env: { ...process.env, KILN_RUNNER_TOKEN: runnerToken, KILN_LOCAL_REPOSITORIES: repos },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return {
    child,
    url: server.url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** A job: write the file into the workspace, then keep it with upload_artifact. */
async function createJob(url: string, token: string, repo: string): Promise<string> {
  const created = await api<{ result: { job_id: string } }>(url, token, 'POST', '/v3/jobs/create', {
    project_id: await firstProjectId(url, token),
    job_name: 'artifact',
    arch: 'x86-64',
    scms: [{ url: repo, scm_type: 'git', branch: 'main' }],
    steps: [
      {
        module_id: 'kiln.shell',
        name: 'make',
        properties: { command: `head -c ${BYTES} /dev/urandom > ${NAME} && sync ${NAME}` },
      },
      { module_id: UPLOAD, name: 'upload', properties: { file: NAME } },
    ],
    build_config_type: 'ACTION',
  });
  return created.result.job_id;
}

interface Stage {
  start_time: string;
  finish_time: string;
  status: string;
}

/**
 * Runs a build of the job; returns its number, the upload step's time, and the server's (and the
 * runner's, when remote) RSS growth and CPU time meanwhile.
 */
async function kilnUpload(
  kiln: Served,
  token: string,
  jobId: string,
  runnerPid?: number,
): Promise<Transfer & { build: number; runner?: { rssGrowthMb: number; cpuMs: number } }> {
  const usage = sampleProcess(kiln.child.pid!);
  const runnerUsage = runnerPid === undefined ? undefined : sampleProcess(runnerPid);
  try {
    const run = await api<{ actual_build_number: string }>(kiln.url, token, 'POST', '/v3/jobs/build', {
      job_id: jobId,
    });
    const build = Number(run.actual_build_number);
    for (;;) {
      const status = await api<{ result: boolean }>(kiln.url, token, 'GET', `/v3/jobs/${jobId}/status`);
      if (!status.result) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const history = await api<{
      history_records: { record_id: string; build_number: number; result: string }[];
    }>(kiln.url, token, 'GET', `/v3/jobs/${jobId}/history?limit=100`);
    const record = history.history_records.find((h) => h.build_number === build);
    if (record?.result !== 'SUCCESS') {
      const log = await api<{ result: { content: string } }>(
        kiln.url,
        token,
        'GET',
        `/v3/jobs/${jobId}/${build}/real-time-log?offset=0`,
      );
      throw new Error(`build ${build}: ${record?.result}\n${log.result.content}`);
    }
    const stages = await api<{ result: { build_stages: Record<string, Stage> } }>(
      kiln.url,
      token,
      'GET',
      `/v1/record/${record.record_id}/full-stages`,
    );
    const upload = stages.result.build_stages.stage2!;
    const from = Date.parse(upload.start_time);
    const to = Date.parse(upload.finish_time);
    const listed = await api<{ result: { artifacts: { name: string; size: number }[] } }>(
      kiln.url,
      token,
      'GET',
      `/v1/kiln/jobs/${jobId}/${build}/artifacts`,
    );
    const size = listed.result.artifacts.find((a) => a.name === NAME)?.size;
    if (size !== BYTES) throw new Error(`build ${build} kept ${size} bytes, not ${BYTES}`);
    return {
      build,
      ms: to - from,
      ...usage.during(from, to),
      ...(runnerUsage && { runner: runnerUsage.during(from, to) }),
    };
  } finally {
    usage.stop();
    runnerUsage?.stop();
  }
}

async function kilnDownload(
  kiln: Served,
  token: string,
  jobId: string,
  build: number,
  target: string,
): Promise<Transfer> {
  const usage = sampleProcess(kiln.child.pid!);
  try {
    await new Promise((r) => setTimeout(r, 100)); // a sample or two before
    const from = Date.now();
    const got = await curl([
      '-H',
      `x-auth-token: ${token}`,
      '-o',
      target,
      `${kiln.url}/v1/kiln/jobs/${jobId}/${build}/artifacts/${NAME}`,
    ]);
    const to = Date.now();
    if (got.bytes !== BYTES || statSync(target).size !== BYTES)
      throw new Error(`downloaded ${got.bytes} bytes, not ${BYTES}`);
    return { ms: got.ms, ...usage.during(from, to) };
  } finally {
    usage.stop();
    rmSync(target, { force: true });
  }
}

/** Drops the builds' artifacts and workspaces between rounds: the disk holds the next round's. */
function dropArtifacts(kilnDir: string): void {
  rmSync(join(kilnDir, 'data', 'artifacts', 'blobs'), { recursive: true, force: true });
}

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-artifacts-'));
// The sandbox's users read the repository (when the bench runs as root, they are not root).
chmodSync(dir, 0o755);
const served: Served[] = [];
let s3: TestS3 | undefined;
try {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the artifacts benchmark needs curl (apt-get install curl)');
  }
  const free = Number(
    execFileSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' }).split('\n')[1],
  );
  if (free < BYTES * 6) throw new Error(`${dir} has ${free} bytes free; the benchmark needs ${BYTES * 6}`);
  const source = join(dir, 'source.bin');
  execFileSync('/bin/sh', ['-c', `head -c ${BYTES} /dev/urandom > "$1" && sync "$1"`, 'sh', source]);
  const repo = benchRepo(join(dir, 'repo'), { README: 'bench\n' });

  // The bare server, the server with its own runner, and the server with a remote runner.
  const transferServer = async (flags: string[], heapMb: number): Promise<Served> => {
    const port = await freePort();
    const server = await startProcess(
      [
        ...flags,
        '--import',
        'tsx',
        join(import.meta.dirname, 'transfer-server.ts'),
        join(dir, 'uploaded.bin'),
        source,
        String(port),
        String(heapMb),
      ],
      {},
      port,
      '/readyz',
    );
    served.push(server);
    return server;
  };
  const base = await transferServer([], 0);
  // For the explanations: the bare server holding live objects as Kiln's heap, Kiln's Node flags.
  const heavy = await transferServer(KILN_NODE_FLAGS, HEAP_MB);
  mkdirSync(join(dir, 'own'));
  const own = await startKiln(join(dir, 'own'), dir, 1);
  served.push(own);
  const ownToken = await login(own.url, PASSWORD);
  const ownJob = await createJob(own.url, ownToken, repo);
  mkdirSync(join(dir, 'remote'));
  const remote = await startKiln(join(dir, 'remote'), dir, 0);
  served.push(remote);
  const remoteToken = await login(remote.url, PASSWORD);
  const remoteJob = await createJob(remote.url, remoteToken, repo);
  const runnerProcess = await startRunner(remote, remoteToken, join(dir, 'runner'), dir);
  served.push(runnerProcess);
  const runner = runnerProcess.child;

  // KILN_BENCH_S3: two Kilns whose artifacts live in s3rver's bucket, each with its own remote
  // runner (one sending through the server, one straight into the bucket, Kiln's default), and a
  // client that presigns PUTs into the same bucket.
  type S3Kiln = { server: Served; token: string; job: string; runner: Served };
  const s3Kilns: { through?: S3Kiln; direct?: S3Kiln } = {};
  let client: S3Client | undefined;
  if (S3) {
    s3 = await startTestS3('kiln-bench');
    for (const way of ['through', 'direct'] as const) {
      mkdirSync(join(dir, `s3-${way}`));
      const server = await startKiln(join(dir, `s3-${way}`), dir, 0, {
        KILN_ARTIFACT_S3_BUCKET: s3.bucket,
        KILN_ARTIFACT_S3_ENDPOINT: s3.endpoint,
        KILN_ARTIFACT_S3_REGION: 'us-east-1',
        KILN_ARTIFACT_S3_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
        KILN_ARTIFACT_S3_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
        KILN_ARTIFACT_S3_FORCE_PATH_STYLE: 'on',
        KILN_ARTIFACT_S3_DIRECT: way === 'direct' ? 'on' : 'off',
      });
      served.push(server);
      const token = await login(server.url, PASSWORD);
      const job = await createJob(server.url, token, repo);
      const s3Runner = await startRunner(server, token, join(dir, `runner-s3-${way}`), dir);
      served.push(s3Runner);
      s3Kilns[way] = { server, token, job, runner: s3Runner };
    }
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: S3_KEYS,
      forcePathStyle: true,
    });
  }

  /** The bare server's figures of one curl. */
  const baseline = async (args: string[], server = base): Promise<Transfer> => {
    const usage = sampleProcess(server.child.pid!);
    try {
      const from = Date.now();
      const got = await curl(args);
      const to = Date.now();
      if (got.bytes !== BYTES) throw new Error(`the bare server moved ${got.bytes} bytes, not ${BYTES}`);
      return { ms: got.ms, ...usage.during(from, to) };
    } finally {
      usage.stop();
    }
  };
  const results: Record<
    | 'baseUp'
    | 'baseDown'
    | 'ownUp'
    | 'remoteUp'
    | 'down'
    | 'storeUp'
    | 'heavyStoreUp'
    | 'heavyDown'
    | 's3Up'
    | 's3DirectUp'
    | 'presignedUp'
    | 'hash',
    Transfer[]
  > = {
    s3Up: [],
    s3DirectUp: [],
    presignedUp: [],
    hash: [],
    baseUp: [],
    baseDown: [],
    ownUp: [],
    remoteUp: [],
    down: [],
    storeUp: [],
    heavyStoreUp: [],
    heavyDown: [],
  };
  const upload = async (server: Served, query = '') => {
    const t = await baseline(['-o', '/dev/null', '-T', source, `${server.url}/upload${query}`], server);
    if (statSync(join(dir, 'uploaded.bin')).size !== BYTES) throw new Error('the bare server kept less');
    rmSync(join(dir, 'uploaded.bin'));
    return t;
  };
  const download = async (server: Served) => {
    const t = await baseline(['-o', join(dir, 'downloaded.bin'), `${server.url}/download`], server);
    rmSync(join(dir, 'downloaded.bin'));
    return t;
  };
  const runnerFigures: Array<{ rssGrowthMb: number; cpuMs: number }> = [];
  const rate = (t: Transfer) => `${mbps(BYTES, t.ms).toFixed(0)} MB/s`;
  for (let round = 1; round <= ROUNDS; round++) {
    const up = await upload(base);
    results.baseUp.push(up);
    const down = await download(base);
    results.baseDown.push(down);

    const ownUp = await kilnUpload(own, ownToken, ownJob);
    results.ownUp.push(ownUp);
    const ownDown = await kilnDownload(own, ownToken, ownJob, ownUp.build, join(dir, 'downloaded.bin'));
    results.down.push(ownDown);
    const remoteUp = await kilnUpload(remote, remoteToken, remoteJob, runner.pid);
    results.remoteUp.push(remoteUp);
    runnerFigures.push(remoteUp.runner!);
    console.log(
      `round ${round}: baseline up ${rate(up)}, down ${rate(down)}; Kiln up (own runner) ${rate(ownUp)}, ` +
        `(remote runner) ${rate(remoteUp)}, down ${rate(ownDown)}`,
    );
    // The explanations: what the store's work and a real server's heap cost a bare server.
    results.storeUp.push(await upload(base, '?store=1'));
    results.heavyStoreUp.push(await upload(heavy, '?store=1'));
    results.heavyDown.push(await download(heavy));
    dropArtifacts(join(dir, 'own'));
    dropArtifacts(join(dir, 'remote'));
    if (s3Kilns.through && s3Kilns.direct && client && s3) {
      const through = s3Kilns.through;
      const s3Up = await kilnUpload(through.server, through.token, through.job, through.runner.child.pid);
      results.s3Up.push(s3Up);
      const direct = s3Kilns.direct;
      const s3DirectUp = await kilnUpload(direct.server, direct.token, direct.job, direct.runner.child.pid);
      results.s3DirectUp.push(s3DirectUp);
      const url = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: s3.bucket, Key: `presigned/${round}` }),
        { expiresIn: 600 },
      );
      const put = await curl(['-o', '/dev/null', '-T', source, url]);
      if (put.bytes !== BYTES) throw new Error(`the presigned PUT sent ${put.bytes} bytes, not ${BYTES}`);
      results.presignedUp.push({ ms: put.ms, rssGrowthMb: 0, cpuMs: 0 });
      const from = performance.now();
      execFileSync('sha256sum', [source], { stdio: 'ignore' });
      results.hash.push({ ms: performance.now() - from, rssGrowthMb: 0, cpuMs: 0 });
      console.log(
        `round ${round}, S3: remote runner through Kiln ${rate(s3Up)}, straight into the bucket ${rate(s3DirectUp)}, presigned curl PUT ${rate(results.presignedUp.at(-1)!)}, ` +
          `sha256sum ${rate(results.hash.at(-1)!)}`,
      );
    }
  }

  const best = (xs: Transfer[]) => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const largest = (xs: Array<{ rssGrowthMb: number }>) => Math.max(...xs.map((x) => x.rssGrowthMb));
  /** The least CPU time of the rounds (the steadier figure on a shared machine). */
  const cpu = (xs: Array<{ cpuMs: number }>) =>
    `${(Math.min(...xs.map((x) => x.cpuMs)) / 1000).toFixed(1)} s`;
  const baseUp = best(results.baseUp);
  const baseDown = best(results.baseDown);
  console.log(`\n${MB} MiB of random bytes, best of ${ROUNDS} rounds (MB = MiB)`);
  report(
    'baseline: curl -T to a bare node:http server (into a file)',
    rate(baseUp),
    `server CPU ${cpu(results.baseUp)}`,
  );
  report(
    'baseline: curl -o from a bare node:http server (to a file)',
    rate(baseDown),
    `server CPU ${cpu(results.baseDown)}`,
  );
  const line = (name: string, xs: Transfer[], against: Transfer) => {
    const ratio = against.ms / best(xs).ms;
    const rss = largest(xs);
    const met = ratio >= GOAL_RATIO && rss < GOAL_RSS_MB;
    report(
      name,
      rate(best(xs)),
      `x${ratio.toFixed(2)} of baseline, server RSS +${rss.toFixed(0)} MB, CPU ${cpu(xs)}; ` +
        `goal >= ${GOAL_RATIO}, < ${GOAL_RSS_MB} MB: ${met ? 'met' : 'NOT met'}`,
    );
  };
  line("Kiln upload_artifact, server's own runner", results.ownUp, baseUp);
  line('Kiln upload_artifact, remote runner over HTTP', results.remoteUp, baseUp);
  report(
    '  … the remote runner meanwhile',
    '',
    `RSS +${largest(runnerFigures).toFixed(0)} MB, CPU ${cpu(runnerFigures)}`,
  );
  line('Kiln download: curl -o from the artifact API (to a file)', results.down, baseDown);
  console.log('\nWhere the time goes: the bare server doing part of what Kiln does (no goal)');
  const explain = (name: string, xs: Transfer[], against: Transfer) =>
    report(
      name,
      rate(best(xs)),
      `x${(against.ms / best(xs).ms).toFixed(2)} of baseline, server CPU ${cpu(xs)}`,
    );
  explain('upload, + sha256 as the bytes arrive + fsync at the end', results.storeUp, baseUp);
  explain(`… and holding ${HEAP_MB} MB of live objects, Kiln's flags`, results.heavyStoreUp, baseUp);
  explain(`download, holding ${HEAP_MB} MB of live objects, Kiln's flags`, results.heavyDown, baseDown);
  if (S3) {
    console.log(
      '\nArtifacts in an object store (s3rver): a remote runner through Kiln, or presigned straight to it',
    );
    const hashMs = best(results.hash).ms;
    explain('remote runner through Kiln (Kiln keeps, hashes, copies to the bucket)', results.s3Up, baseUp);
    explain(
      'remote runner straight into the bucket (presigned PUT, hashed as sent; the default)',
      results.s3DirectUp,
      baseUp,
    );
    const rateOnly = (name: string, ms: number) =>
      report(name, rate({ ms, rssGrowthMb: 0, cpuMs: 0 }), `x${(baseUp.ms / ms).toFixed(2)} of baseline`);
    rateOnly('curl -T to a presigned PUT URL of the bucket', best(results.presignedUp).ms);
    rateOnly(
      '… with sha256sum of the file first (the checksum Kiln records)',
      best(results.presignedUp).ms + hashMs,
    );
  }
} finally {
  for (const s of served.reverse())
    if (s.child.exitCode === null && s.child.signalCode === null) await s.stop();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
}
