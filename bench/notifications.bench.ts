import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestKiln, TestClock, type TestKiln } from '../test/helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../test/helpers/foundation.ts';
import { median, percentile, report } from './lib/stats.ts';

/**
 * The notification benchmark (issue 18), on the embedded store (SQLite) with the server on real
 * loopback HTTP and a webhook receiver in the same process:
 * - Latency: from the runner's "build done" to the webhook's arrival at the receiver. Goal: median
 *   under 100 ms.
 * - Load: BUILDS builds end within SECONDS (1,000 in 60 s by default) while a client reads the
 *   job's records page over and over. The same run three times: with the job's notifications off
 *   (the baseline, same process, same store), with its webhook on, and off again (how much two
 *   runs alike differ here). Goals: every notification arrives, and the records page's p99 stays
 *   within 10% of the baseline's.
 * Builds are ended through the dispatch service as a runner would (no processes: the cost measured
 * is Kiln's, not a build's).
 */
const BUILDS = Number(process.env.KILN_BENCH_NOTICE_BUILDS ?? 1000);
const SECONDS = Number(process.env.KILN_BENCH_NOTICE_SECONDS ?? 60);
const RUNNER = 'local:bench';

interface Phase {
  /** Records-page latencies (ms) while the builds ended. */
  reads: number[];
  /** Build end to webhook arrival (ms), for the builds whose notification arrived. */
  latencies: number[];
  delivered: number;
}

async function main(): Promise<void> {
  const arrivals = new Map<number, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { build: { number: number } };
      arrivals.set(body.build.number, at);
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const kiln = await createTestKiln({ store: 'sqlite', clock: TestClock.live() });
  await kiln.engine.start();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(kiln.app.server.address() as AddressInfo).port}`;
  const token = await tokenOf(kiln, ADMIN);
  const project = await kiln.defaultProjectId();
  try {
    const quiet = await runPhase(
      kiln,
      base,
      token,
      await createJob(kiln, token, project, { job_name: 'quiet' }),
      arrivals,
    );
    const told = await createJob(kiln, token, project, { job_name: 'told' });
    const set = await fetch(`${base}/v3/jobs/notice/${told}/update`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        notice_type: 'WEBHOOK',
        enabled_event_type_names: ['buildJobSuccess'],
        param_config: JSON.stringify({ webhook_url: hookUrl, secret: 'bench' }),
      }),
    });
    if (!set.ok) throw new Error(`UpdateNotice: ${set.status} ${await set.text()}`);
    arrivals.clear();
    const loud = await runPhase(kiln, base, token, told, arrivals);

    console.log(`${BUILDS} builds ending within ${SECONDS} s, the job's records page read meanwhile`);
    report(
      'webhooks delivered',
      `${loud.delivered} of ${BUILDS}`,
      loud.delivered === BUILDS ? '(goal: all)' : 'GOAL MISSED',
    );
    const m = median(loud.latencies);
    report(
      'build end -> webhook arrival, median',
      `${m.toFixed(1)} ms`,
      `p90 ${percentile(loud.latencies, 90).toFixed(1)} ms, p99 ${percentile(loud.latencies, 99).toFixed(1)} ms (goal: median < 100 ms)`,
    );
    // The baseline once more, after: how far two runs without notifications differ on this machine.
    const again = await runPhase(
      kiln,
      base,
      token,
      await createJob(kiln, token, project, { job_name: 'quiet-again' }),
      new Map(),
    );
    const p99 = (p: Phase) => percentile(p.reads, 99);
    report(
      'records page p99, notifications on / off',
      `x${(p99(loud) / p99(quiet)).toFixed(2)}`,
      `${p99(loud).toFixed(1)} ms / ${p99(quiet).toFixed(1)} ms; medians ${median(loud.reads).toFixed(1)} / ${median(quiet.reads).toFixed(1)} ms; ${loud.reads.length} / ${quiet.reads.length} reads (goal: within x1.10)`,
    );
    report(
      'records page p99, second run off / first run off',
      `x${(p99(again) / p99(quiet)).toFixed(2)}`,
      `${p99(again).toFixed(1)} ms: the noise between two runs alike`,
    );
  } finally {
    await kiln.close();
    receiver.close();
  }
}

/** Ends BUILDS builds of the job, evenly over SECONDS, while reading its records page. */
async function runPhase(
  kiln: TestKiln,
  base: string,
  token: string,
  jobId: string,
  arrivals: Map<number, number>,
): Promise<Phase> {
  const ended = new Map<number, number>();
  let done = false;
  const reads: number[] = [];
  const reader = (async () => {
    const url = `${base}/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01+00:00:00&end_time=2100-01-01+00:00:00&page_size=100`;
    while (!done) {
      const t = performance.now();
      const res = await fetch(url, { headers: { 'x-auth-token': token } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`records: ${res.status}`);
      reads.push(performance.now() - t);
    }
  })();
  const gap = (SECONDS * 1000) / BUILDS;
  const start = performance.now();
  for (let i = 0; i < BUILDS; i++) {
    const wait = start + i * gap - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const run = await fetch(`${base}/v3/jobs/build`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ job_id: jobId }),
    });
    if (!run.ok) throw new Error(`trigger: ${run.status} ${await run.text()}`);
    const lease = await kiln.engine.dispatch.next(RUNNER, new AbortController().signal, 1000);
    if (!lease) throw new Error('no build to claim');
    await kiln.engine.dispatch.started(RUNNER, lease.recordId, {
      commitId: '',
      commitTime: null,
      commitMessage: '',
      branch: 'main',
    });
    const build = await kiln.storage.builds.findByRecordId(lease.recordId);
    ended.set(build!.number, performance.now());
    await kiln.engine.dispatch.done(RUNNER, lease.recordId, { state: 'SUCCESS' });
  }
  // Whatever is still on its way gets a few seconds.
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline && arrivals.size < ended.size && arrivals.size > 0)
    await new Promise((r) => setTimeout(r, 50));
  done = true;
  await reader;
  const latencies = [...arrivals].flatMap(([n, at]) => {
    const end = ended.get(n);
    return end === undefined ? [] : [at - end];
  });
  return { reads, latencies, delivered: arrivals.size };
}

await main();
