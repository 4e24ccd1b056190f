import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testProcessEnv } from './runner.ts';

/**
 * Real processes for CLI tests: a `kiln serve` on a fresh data directory and `kiln ...` runs
 * against it, both from the compiled dist (run `npm run build:server` first; `npm test` does).
 */

/** The `kiln` entry point. */
export const KILN_BIN = fileURLToPath(new URL('../../bin/kiln.js', import.meta.url));

/** The admin password every server process starts with. */
export const SERVER_ADMIN_PASSWORD = 'cli-admin-password';

/** A port nobody listens on right now (the OS picks it; a tiny race remains, as everywhere). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The parent's environment without anything that would point a child at another Kiln. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^KILN_|^XDG_CONFIG_HOME$/.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

/** A running `kiln serve`. */
export interface ServerProcess {
  url: string;
  adminPassword: string;
  dataDir: string;
  /** What the server wrote so far (for failure messages). */
  output(): string;
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

async function waitReady(url: string, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`kiln serve exited before it was ready:\n${output()}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`kiln serve was not ready within 20 s:\n${output()}`);
}

/** Starts `kiln serve` on a free port and a fresh data directory; resolves once /readyz is 200. */
export async function startServerProcess(
  options: { env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-cli-server-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [KILN_BIN, 'serve'], {
    env: childEnv({
      KILN_DATA_DIR: dataDir,
      KILN_PORT: String(port),
      KILN_ADMIN_PASSWORD: SERVER_ADMIN_PASSWORD,
      KILN_LOG_LEVEL: 'warn',
      ...testProcessEnv(),
      ...options.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exited = false;
  void exit.then(() => (exited = true));
  try {
    await waitReady(
      url,
      () => exited,
      () => log,
    );
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    adminPassword: SERVER_ADMIN_PASSWORD,
    dataDir,
    output: () => log,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(force);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a CLI run left behind. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/kiln.js ...args` to its end; stdin is `options.stdin` or empty. */
export async function runCli(
  args: string[],
  options: { stdin?: string | Buffer; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [KILN_BIN, ...args], {
    env: childEnv(options.env ?? {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  // A CLI that stops reading early (it failed) closes the pipe; that is not the test's error.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  clearTimeout(timer);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** A person at a terminal: their own config directory, pointed at one server. */
export interface CliUser {
  /** Their HOME; the login lands in `<home>/.config/kiln/credentials.json`. */
  home: string;
  env: Record<string, string>;
  run(
    args: string[],
    options?: { stdin?: string | Buffer; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** `kiln login` with the password on stdin; throws when it fails. */
  login(user?: string, password?: string): Promise<CliResult>;
  cleanup(): void;
}

/** A CLI user of `server` with a fresh HOME and XDG_CONFIG_HOME. */
export function cliUser(server: ServerProcess): CliUser {
  const home = mkdtempSync(join(tmpdir(), 'kiln-cli-home-'));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), KILN_URL: server.url };
  const user: CliUser = {
    home,
    env,
    run: (args, options = {}) => runCli(args, { ...options, env: { ...env, ...options.env } }),
    async login(name = 'admin', password = server.adminPassword) {
      const result = await user.run(['login', '--user', name], { stdin: `${password}\n` });
      if (result.code !== 0) throw new Error(`kiln login failed (${result.code}): ${result.stderr}`);
      return result;
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
  return user;
}
