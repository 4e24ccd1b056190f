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

/** What a randomised run varies from request to request. */
export interface RandomRequests {
  /** `page_index` drawn uniformly from 0..pages-1, so a page is rarely asked twice. */
  pages: number;
  /**
   * Also moves `start_time` forward by 0..n-1 s (UTC, from the URL's own start_time): every
   * request then asks for a window nobody asked for before, so nothing kept for a window helps.
   */
  startJitterSeconds?: number;
}

/** The Lua script that rewrites each request's URL as `random` says. */
function randomScript(url: string, random: RandomRequests): string {
  const u = new URL(url);
  u.searchParams.delete('page_index');
  const start = u.searchParams.get('start_time') ?? '';
  const lines = ['request = function()'];
  if (random.startJitterSeconds) {
    u.searchParams.delete('start_time');
    const epoch = Date.parse(`${start.replace(' ', 'T')}Z`) / 1000;
    lines.push(
      `  local t = os.date("!%Y-%m-%d %H:%M:%S", ${epoch} + math.random(0, ${random.startJitterSeconds - 1}))`,
      '  t = t:gsub(" ", "%%20"):gsub(":", "%%3A")',
      `  return wrk.format(nil, "${u.pathname}${u.search}&start_time=" .. t .. "&page_index=" .. math.random(0, ${random.pages - 1}))`,
    );
  } else {
    lines.push(
      `  return wrk.format(nil, "${u.pathname}${u.search}&page_index=" .. math.random(0, ${random.pages - 1}))`,
    );
  }
  lines.push('end', '');
  return lines.join('\n');
}

/**
 * Runs wrk (one thread, `connections`, `seconds`) on `url` with `headers`, sampling the server's
 * RSS. With `random`, each request asks for a random page (and window) by a Lua script.
 */
export async function runWrk(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
  watchPid: number,
  random?: RandomRequests,
): Promise<WrkResult> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (random) {
    const script = join(mkdtempSync(join(tmpdir(), 'kiln-wrk-')), 'random-page.lua');
    writeFileSync(script, randomScript(url, random));
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
