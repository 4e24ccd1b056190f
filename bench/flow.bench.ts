import { benchRepo } from './lib/repo.ts';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/cli.ts';
import { api, KILN_BIN, login, startProcess } from './lib/processes.ts';
import { median, report } from './lib/stats.ts';

/**
 * The BuildFlow benchmark: a 20-job diamond of trivial jobs (one root, 18 jobs that depend on it,
 * one that depends on all 18) through the embedded server's own runner with 2 slots. The flow's
 * scheduling overhead is its wall time (trigger to the flow's end) less the time during which at
 * least one of its jobs was running on a runner (the union of their run intervals): what remains
 * is the flow's own checkout and reading of the file, and every hand-over from a job's end to the
 * next job's start. Goal (issue 14): under 200 ms.
 */
const PASSWORD = 'bench-admin-password';
const RUNS = Number(process.env.KILN_BENCH_FLOW_RUNS ?? 5);
const MIDDLE = 18;

const JOB_FILE = 'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: "true"\n';

function flowFile(): string {
  const middle = Array.from({ length: MIDDLE }, (_, i) => `m${i + 1}`);
  return [
    'version: 2.0',
    'buildflow:',
    '  strategy: eager',
    '  jobs:',
    '    - {job: root, build_ref: jobs/job.yml}',
    ...middle.map((m) => `    - {job: ${m}, depends_on: [root], build_ref: jobs/job.yml}`),
    `    - {job: sink, depends_on: [${middle.join(', ')}], build_ref: jobs/job.yml}`,
    '',
  ].join('\n');
}

interface Info {
  id: string;
  record_status: string;
  status: string;
  create_time: string;
  start_time: string;
  finish_time: string;
}

const info = (url: string, token: string, jobId: string, n: number) =>
  api<{ result: Info }>(url, token, 'GET', `/v4/jobs/${jobId}/${n}/record-info`).then((r) => r.result);

/** Length of the union of intervals. */
function covered(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-flow-'));
  // The runner's mirror keeper reads the repository as a user of its own.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = await startProcess(
    [KILN_BIN, 'serve'],
    {
      KILN_DATA_DIR: join(dir, 'data'),
      KILN_PORT: String(port),
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_LOCAL_REPOSITORIES: dir,
      KILN_RUNNER_SLOTS: '2',
    },
    port,
    '/readyz',
  );
  try {
    const repo = benchRepo(join(dir, 'repo'), {
      '.cloudbuild/build.yml': flowFile(),
      'jobs/job.yml': JOB_FILE,
    });
    const token = await login(server.url, PASSWORD);
    const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
      server.url,
      token,
      'GET',
      '/v1/domain/project/related',
    );
    const created = await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
      project_id: projects.result.project_info_list[0]?.identifier,
      job_name: 'flow-bench',
      arch: 'x86-64',
      build_config_type: 'YAML',
      scms: [{ url: repo, scm_type: 'git', branch: 'main' }],
      steps: [],
    });
    const jobId = created.result.job_id;
    console.log(
      `A 20-job diamond BuildFlow of trivial jobs, embedded server, its own runner (2 slots), ${RUNS} runs`,
    );
    const overheads: number[] = [];
    const walls: number[] = [];
    const own: number[] = [];
    const claimed: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { actual_build_number: n } = await api<{ actual_build_number: string }>(
        server.url,
        token,
        'POST',
        '/v3/jobs/build',
        { job_id: jobId },
      );
      let flow: Info;
      for (;;) {
        flow = await info(server.url, token, jobId, Number(n));
        if (flow.record_status === 'Finished') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (flow.status !== 'SUCCESS') {
        const log = await api<{ result: { content: string } }>(
          server.url,
          token,
          'GET',
          `/v3/jobs/${jobId}/${n}/real-time-log?offset=0`,
        );
        throw new Error(`flow ${n} ended ${flow.status}: ${log.result.content}`);
      }
      const graph = await api<{ result: { vertices: { build_no: string }[] } }>(
        server.url,
        token,
        'GET',
        `/v1/record/${flow.id}/flow-graph`,
      );
      const jobs = await Promise.all(
        graph.result.vertices.map((v) => info(server.url, token, jobId, Number(v.build_no))),
      );
      const intervals = jobs.map((j): [number, number] => [
        Date.parse(j.start_time),
        Date.parse(j.finish_time),
      ]);
      const wall = Date.parse(flow.finish_time) - Date.parse(flow.create_time);
      walls.push(wall);
      overheads.push(wall - covered(intervals));
      own.push(Math.min(...intervals.map((i) => i[0])) - Date.parse(flow.create_time));
      claimed.push(Date.parse(flow.start_time) - Date.parse(flow.create_time));
    }
    report('flow wall time, trigger to end (median)', `${median(walls).toFixed(0)} ms`);
    report("the flow's own part: trigger to its first job's start", `${median(own).toFixed(0)} ms`);
    report("  of which the flow's build waiting for a runner", `${median(claimed).toFixed(0)} ms`);
    const overhead = median(overheads);
    report(
      'scheduling overhead: wall less time a job was running (median)',
      `${overhead.toFixed(0)} ms`,
      `runs: ${overheads.map((o) => o.toFixed(0)).join(', ')}; target < 200 ms: ${overhead < 200 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
