import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { KILN_BIN, freePort } from './cli.ts';
import { testProcessEnv } from './runner.ts';

/** The parent's environment without KILN_* settings of its own, with the test processes' settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KILN_')) env[k] = v;
  return { ...env, ...testProcessEnv(), ...extra };
}

/** What a TCP connection to the loopback port came to: 'connected', or the error's code. */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A real `kiln serve` or `kiln runner` process that a test can kill and restart. */
export class KilnProcess {
  private log = '';
  private exited: Promise<number | null>;
  private done = false;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (c: Buffer) => (this.log += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.log += c.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.done = true;
        resolve(code);
      }),
    );
  }

  /**
   * Starts `kiln serve` with `env` (KILN_PORT chosen when absent) and waits for /readyz; under
   * `wrap` (a command that runs it) when given.
   */
  static async serve(
    env: Record<string, string>,
    readyWithinMs = 30_000,
    wrap: string[] = [],
  ): Promise<KilnProcess> {
    const port = env.KILN_PORT ?? String(await freePort());
    // A port given (a restart on the same one) must be free: a server left over from before would
    // answer /readyz for this one, which fails to bind, and the test would go on with the wrong one.
    if (env.KILN_PORT && (await connectOutcome(Number(port))) === 'connected')
      throw new Error(`port ${port} is taken: a kiln serve left running from before?`);
    const full = { KILN_LOG_LEVEL: 'warn', ...env, KILN_PORT: port };
    const argv = [...wrap, process.execPath, KILN_BIN, 'serve'];
    const child = spawn(argv[0] as string, argv.slice(1), {
      env: cleanEnv(full),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new KilnProcess(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + readyWithinMs;
    while (Date.now() < deadline) {
      if (p.done) throw new Error(`kiln serve exited early:\n${p.log}`);
      if (
        await fetch(`${p.url}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return p;
      await new Promise((r) => setTimeout(r, 50));
    }
    p.child.kill('SIGKILL');
    throw new Error(`kiln serve not ready:\n${p.log}`);
  }

  /** Starts `kiln runner` against a server (under `wrap`, a command that runs it, when given). */
  static runner(
    server: string,
    token: string,
    slots: number,
    workDir: string,
    env: Record<string, string> = {},
    wrap: string[] = [],
  ): KilnProcess {
    const argv = [
      process.execPath,
      KILN_BIN,
      'runner',
      '--server',
      server,
      '--slots',
      String(slots),
      '--work-dir',
      workDir,
      '--log-level',
      'warn',
    ];
    const all = [...wrap, ...argv];
    const child = spawn(all[0] as string, all.slice(1), {
      env: cleanEnv({ KILN_RUNNER_TOKEN: token, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new KilnProcess(child, server);
  }

  output(): string {
    return this.log;
  }

  get alive(): boolean {
    return !this.done;
  }

  /** Sends `signal` and waits for the exit code. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.done) this.child.kill(signal);
    return this.exited;
  }
}

/** Signs in over HTTP and returns a project-scoped token. */
export async function loginOver(url: string, name: string, password: string): Promise<string> {
  const res = await fetch(`${url}/v3/auth/tokens?nocatalog=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name, password, domain: { name: 'default' } } },
        },
        scope: { project: { name: 'local' } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token') ?? '';
}

/** A JSON call with a token; throws on non-2xx. */
export async function api<T = Record<string, unknown>>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-auth-token': token, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** The id of the first project the token's user belongs to (a fresh server's default project). */
export async function firstProjectId(url: string, token: string): Promise<string | undefined> {
  const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
    url,
    token,
    'GET',
    '/v1/domain/project/related',
  );
  return projects.result.project_info_list[0]?.identifier;
}

/** Polls `fn` until `ok`, failing with the last value after `ms`. */
export async function eventually<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn().catch(() => last as T);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 500)}`);
}
