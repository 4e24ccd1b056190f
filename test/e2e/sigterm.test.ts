import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLine } from '../helpers/foundation.ts';
import { connectOutcome } from '../helpers/processes.ts';

/**
 * The real `kiln serve` process (built into dist/ by `npm test`): on SIGTERM it stops accepting
 * connections, lets the request in flight finish, and exits with 0.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_PASSWORD = 'e2e-admin-password';
const LINES = 10;
const SENT_BEFORE_SIGTERM = 3;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it yields a value (a condition to wait for, not a fixed sleep). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The environment of a server on `dataDir` and `port`: none of the test's own KILN_ settings. */
function serverEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_')));
  return {
    ...env,
    KILN_DATA_DIR: dataDir,
    KILN_HOST: '127.0.0.1',
    KILN_PORT: String(port),
    KILN_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
}

/** Whether a TCP connection to the port is refused (not accepted, nor failing otherwise). */
async function refused(port: number): Promise<boolean> {
  return (await connectOutcome(port)) === 'ECONNREFUSED';
}

describe('kiln serve under SIGTERM', () => {
  let dataDir: string;
  let port: number;
  let server: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let token = '';
  const base = () => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/cmd/main.js')))
      throw new Error('dist/ is missing: run `npm run build:server` (npm test does it first)');
    dataDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
    port = await freePort();
    server = spawn(process.execPath, [join(ROOT, 'bin/kiln.js'), 'serve'], {
      cwd: dataDir,
      env: { ...serverEnv(dataDir, port), KILN_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d) => (output += String(d)));
    server.stderr?.on('data', (d) => (output += String(d)));
    exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    await until('GET /readyz', async () => {
      if (server.exitCode !== null) throw new Error(`kiln exited early:\n${output}`);
      const res = await fetch(`${base()}/readyz`);
      return res.status === 200 ? true : undefined;
    });
  }, 60_000);

  afterAll(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the import in flight, refuses new connections, then exits with 0', async () => {
    const login = await fetch(`${base()}/v3/auth/tokens?nocatalog=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', password: ADMIN_PASSWORD, domain: { name: 'default' } } },
          },
          scope: { project: { name: 'local' } },
        },
      }),
    });
    expect(login.status).toBe(201);
    token = String(login.headers.get('x-subject-token'));
    const auth = { 'x-auth-token': token, 'content-type': 'application/json' };

    const projects = (await (
      await fetch(`${base()}/v1/domain/project/related`, { headers: auth })
    ).json()) as {
      result: { project_info_list: { identifier: string }[] };
    };
    const projectId = projects.result.project_info_list[0]?.identifier as string;
    const created = await fetch(`${base()}/v3/jobs/create`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        project_id: projectId,
        job_name: 'sigterm-job',
        arch: 'x86-64',
        steps: [{ module_id: 'kiln.shell', name: 'hello', properties: { command: 'echo hello' } }],
      }),
    });
    expect(created.status).toBe(200);
    const jobId = ((await created.json()) as { result: { job_id: string } }).result.job_id;

    // Node's client (not fetch) so the server's 100 Continue proves it has taken the request in.
    const lines = Array.from({ length: LINES }, (_, i) => `${recordLine(i + 1)}\n`);
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/v1/kiln/jobs/${jobId}/import`,
      agent: false,
      headers: { 'x-auth-token': token, 'content-type': 'application/x-ndjson', expect: '100-continue' },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.once('response', (res) => {
        let body = '';
        res.on('data', (d) => (body += String(d)));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.once('error', reject);
      });
      request.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      request.once('continue', resolve);
      request.once('error', reject);
      request.flushHeaders();
    });
    request.write(lines.slice(0, SENT_BEFORE_SIGTERM).join(''));

    server.kill('SIGTERM');
    // The listener closes: a new connection is refused while our request is still open.
    await until('new connections to be refused', async () => ((await refused(port)) ? true : undefined));
    expect(server.exitCode).toBeNull();

    request.end(lines.slice(SENT_BEFORE_SIGTERM).join(''));
    const done = await response;
    expect(done.status, done.body).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({
      result: { imported: LINES, skipped: 0, lines: LINES },
      error: null,
      status: 'success',
    });

    const exit = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`kiln did not exit after SIGTERM:\n${output}`)), 20_000),
      ),
    ]);
    expect(exit, output).toEqual({ code: 0, signal: null });
    expect(await refused(port)).toBe(true);
  }, 60_000);

  it('left no token in its data directory, only its hash (the job name is there, so the scan can see text)', async () => {
    expect(token.length).toBeGreaterThan(0);
    const files = readdirSync(dataDir).filter((f) => f.startsWith('kiln.db'));
    expect(files).toContain('kiln.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(dataDir, f))));
    expect(bytes.includes('sigterm-job')).toBe(true);
    expect(bytes.includes(token)).toBe(false);
  });
});

/**
 * `npm start`, as a supervisor runs it: a SIGTERM to npm reaches the server (npm passes it to its
 * script's shell, which must have become the server: a shell waiting for it would not pass it on,
 * and the server would run on, orphaned, holding its port and its database).
 */
describe('npm start under SIGTERM', () => {
  let dataDir: string;
  let npm: ChildProcess;
  let output = '';

  afterAll(() => {
    // The whole group (npm, and the server if it outlived npm).
    if (npm?.pid)
      try {
        process.kill(-npm.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the server it started', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-npm-'));
    const port = await freePort();
    npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true,
      env: serverEnv(dataDir, port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout?.on('data', (d) => (output += String(d)));
    npm.stderr?.on('data', (d) => (output += String(d)));
    const exited = new Promise((resolve) => npm.once('exit', resolve));
    await until(
      'GET /readyz',
      async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200 ? true : undefined;
      },
      60_000,
    );
    npm.kill('SIGTERM');
    await exited;
    await until('the server to stop listening', async () => ((await refused(port)) ? true : undefined));
  }, 120_000);
});
