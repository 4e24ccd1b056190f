import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/cli.ts';
import { KILN_BIN, login, startProcess } from './lib/processes.ts';
import { median, report } from './lib/stats.ts';

/**
 * What a `kiln` command costs from the shell (`node --import tsx bench/cli.bench.ts`): wall time
 * and CPU of `kiln whoami` and `kiln jobs list` against a local server, next to two baselines of
 * the same run: a bare Node that starts and exits, and a bare Node that sends one request with
 * fetch and exits (what any Node client pays). People run the CLI by hand and in scripts, many
 * times over: its cost is its start.
 */
const RUNS = Number(process.env.KILN_BENCH_RUNS ?? 20);
/** The Node flags `kiln` runs with (its #! line), as a shell runs it. */
const KILN_NODE_FLAGS = readFileSync(KILN_BIN, 'utf8')
  .split('\n')[0]!
  .split(' ')
  .filter((f) => f.startsWith('--'));

/** CPU seconds of this process's children that have ended (utime + stime), from /proc. */
function childrenCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Runs `args` on this Node to its end; its wall time in ms (throws unless it exits 0). */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error(`${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** Median wall time and mean CPU of `RUNS` runs (after two warm-up runs). */
async function measure(args: string[], env: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  for (let i = 0; i < 2; i++) await timed(args, env);
  const walls: number[] = [];
  const before = childrenCpu();
  for (let i = 0; i < RUNS; i++) walls.push(await timed(args, env));
  return { wall: median(walls), cpu: ((childrenCpu() - before) / RUNS) * 1000 };
}

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'kiln-bench-cli-'));
const password = 'bench-cli-password';
const server = await startProcess(
  [KILN_BIN, 'serve'],
  { KILN_DATA_DIR: dataDir, KILN_PORT: String(port), KILN_ADMIN_PASSWORD: password, KILN_LOG_LEVEL: 'warn' },
  port,
  '/readyz',
);
const home = mkdtempSync(join(tmpdir(), 'kiln-bench-cli-home-'));
try {
  const token = await login(server.url, password);
  // No KILN_* setting of whoever runs the bench (KILN_AK/KILN_SK would win over the token).
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KILN_')) env[k] = v;
  Object.assign(env, { HOME: home, KILN_URL: server.url, KILN_TOKEN: token });
  const request = `await fetch(${JSON.stringify(`${server.url}/v1/domain/project/related`)}, { headers: { 'X-Auth-Token': ${JSON.stringify(token)} } }).then((r) => r.text())`;
  const bare = await measure(['--input-type=module', '-e', ''], env);
  const fetched = await measure(['--input-type=module', '-e', request], env);
  const whoami = await measure([...KILN_NODE_FLAGS, KILN_BIN, 'whoami'], env);
  const list = await measure([...KILN_NODE_FLAGS, KILN_BIN, 'jobs', 'list', 'default'], env);
  console.log(`kiln commands against a local server, ${RUNS} runs each (median wall, mean CPU)`);
  const line = (name: string, m: { wall: number; cpu: number }) =>
    report(
      name,
      `${m.wall.toFixed(0)} ms`,
      `CPU ${m.cpu.toFixed(0)} ms; ×${(m.wall / fetched.wall).toFixed(2)} of Node + one fetch`,
    );
  line('baseline: node, nothing to do', bare);
  line('baseline: node, one fetch', fetched);
  line('kiln whoami', whoami);
  line('kiln jobs list default (two requests)', list);
} finally {
  await server.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
