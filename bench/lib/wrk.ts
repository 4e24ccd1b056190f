import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What wrk measured. */
export interface WrkResult {
  requestsPerSecond: number;
  latencyAvgMs: number;
  non2xx: number;
  /** Largest resident set size of `watchPid` seen during the run, in MB. */
  maxRssMb: number;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function toMs(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

/**
 * Runs wrk (one thread, `connections`, `seconds`) on `url` with `headers`, sampling the server's
 * RSS. With `randomPages`, each request asks for a `page_index` drawn uniformly from 0..n-1 (a Lua
 * script rewrites the URL), so a page is rarely asked twice.
 */
export async function runWrk(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
  watchPid: number,
  randomPages?: number,
): Promise<WrkResult> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (randomPages) {
    const script = join(mkdtempSync(join(tmpdir(), 'kiln-wrk-')), 'random-page.lua');
    const u = new URL(url);
    u.searchParams.delete('page_index');
    const path = `${u.pathname}${u.search}&page_index=`;
    writeFileSync(
      script,
      `request = function()\n  return wrk.format(nil, "${path}" .. math.random(0, ${randomPages - 1}))\nend\n`,
    );
    args.push('-s', script);
  }
  args.push(url);
  let maxRss = rssMb(watchPid);
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(watchPid))), 200);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args);
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(text));
  });
  clearInterval(sampler);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk failed:\n${out}`);
  return {
    requestsPerSecond: Number(rps[1]),
    latencyAvgMs: toMs(/Latency\s+(\S+)/.exec(out)?.[1] ?? ''),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    maxRssMb: maxRss,
  };
}
