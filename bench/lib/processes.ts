import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loginOver } from '../../test/helpers/processes.ts';

/** The `kiln` entry point (compiled dist; `npm run bench` builds it first). */
export const KILN_BIN = fileURLToPath(new URL('../../bin/kiln.js', import.meta.url));

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KILN_')) env[k] = v;
  return { ...env, ...extra };
}

/** A started process and the URL it serves on. */
export interface Served {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts a Node script or `kiln serve` and waits until `readyPath` answers. */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  port: number,
  readyPath: string,
): Promise<Served> {
  // `kiln` runs as users run it, with the Node flags of its #! line; other scripts run on this Node.
  const [file, ...rest] = args[0] === KILN_BIN ? args : [process.execPath, ...args];
  // Logs are written (as in production) but not shown: they would drown the figures.
  const child = spawn(file!, rest, { env: cleanEnv(env), stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (
      await fetch(`${url}${readyPath}`).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Runs a command to its end; resolves with its exit code. */
export function run(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: cleanEnv(env),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Signs in as admin and returns a project-scoped token. */
export function login(url: string, password: string): Promise<string> {
  return loginOver(url, 'admin', password);
}

/** One call of Kiln's API with a token; throws on a non-2xx answer. */
export async function api<T>(
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
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}
