import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  cliUser,
  freePort,
  KILN_BIN,
  SERVER_ADMIN_PASSWORD,
  type CliUser,
  type ServerProcess,
} from '../helpers/cli.ts';
import { testProcessEnv } from '../helpers/runner.ts';

/**
 * `kiln logs --follow --exit-status` while the server restarts (an upgrade, a crash and its
 * supervisor's restart: a few seconds). docs/cli.md: with --follow the command "returns once the
 * build ended and every byte was printed", and --exit-status "exits with the build's outcome
 * (0, 10, 11, 12)". The server's restart ends the build ABORTED (its log says so), so the follower
 * should come back and exit 11. Instead src/cli/build-log.ts printLog calls readLog without a
 * `retry` (the dashboard passes one, web/src/build/use-log-follower.ts), the client's own retries
 * of a GET last about 1.5 s, and the CLI leaves with exit 1 and "cannot reach ... (is the server
 * running?)": a CI step following its build fails as if the command were wrong.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'kiln-cli-restart-'));
let port = 0;
let url = '';
let child: ChildProcess | undefined;
let user: CliUser;

async function startServer(): Promise<void> {
  const proc = spawn(process.execPath, [KILN_BIN, 'serve'], {
    env: {
      ...process.env,
      NO_COLOR: '1',
      KILN_DATA_DIR: dataDir,
      KILN_PORT: String(port),
      KILN_ADMIN_PASSWORD: SERVER_ADMIN_PASSWORD,
      KILN_LOG_LEVEL: 'warn',
      ...testProcessEnv(),
    },
    stdio: 'ignore',
  });
  child = proc;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('kiln serve was not ready within 20 s');
}

async function stopServer(): Promise<void> {
  const proc = child;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await startServer();
  user = cliUser({ url, adminPassword: SERVER_ADMIN_PASSWORD } as ServerProcess);
  await user.login();
}, 60_000);
afterAll(async () => {
  await stopServer();
  user?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a follower outlives a server restart and exits with the build outcome', async () => {
  const file = join(user.home, 'slow.json');
  writeFileSync(
    file,
    JSON.stringify({
      job_name: 'slow',
      arch: 'x86-64',
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'slow',
          properties: { command: 'for i in $(seq 1 30); do echo line $i; sleep 1; done' },
        },
      ],
    }),
  );
  const created = await user.run(['jobs', 'create', '-f', file, '--project', 'default']);
  expect(created.code, created.stderr).toBe(0);
  const job = created.stdout.trim();
  const run = await user.run(['run', job]);
  expect(run.code, run.stderr).toBe(0);
  const build = run.stdout.trim();

  const following = user.run(['logs', job, build, '--follow', '--exit-status']);
  await new Promise((r) => setTimeout(r, 4000));
  await stopServer();
  await startServer();
  const r = await following;

  expect(r.stdout).toContain('line 1');
  expect(r.stderr).not.toContain('cannot reach');
  expect(r.code, r.stderr).toBe(11);
}, 90_000);
