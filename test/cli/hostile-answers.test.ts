import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/client/api-error.ts';
import { createKilnClient } from '../../src/client/kiln-client.ts';
import { KILN_BIN, runCli } from '../helpers/cli.ts';

/**
 * What a server (or a proxy in front of it) sends back must not steer the CLI: a redirect does not
 * take the token or a password to another host, text with escape sequences is shown and not run
 * on a terminal (the answer timeout's own tests are in test/clients/client.test.ts).
 */

/** What acts on a terminal: C0 but tab and line feed (and the CR of a CRLF), DEL, C1, bidi overrides. */
const ACTING = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/;

/** Text a hostile server puts in names and messages: a title, a clipboard write, a cleared screen, an 8-bit CSI, an RLO. */
const HOSTILE = 'Bob\u001b]0;owned\u0007\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2J\u009b31m\u202etxt.exe';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A loopback server; `seen` holds each request's method, path and headers. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] }> {
  const seen: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const user = (displayName: string) => ({
  result: {
    id: '0123456789abcdef0123456789abcdef',
    domain_id: '0123456789abcdef0123456789abcdef',
    name: 'bob',
    display_name: displayName,
    is_admin: false,
    disabled: false,
    created_at: 0,
  },
  error: null,
  status: 'success',
});

describe('redirects', () => {
  it('are not followed: the token does not go to the host a 302 names', async () => {
    const elsewhere = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user('Bob')));
    });
    const proxy = await serve((req, res) => {
      req.resume();
      res.writeHead(302, { location: `${elsewhere.url}/collect` }).end();
    });
    const r = await runCli(['whoami'], {
      env: { KILN_URL: proxy.url, KILN_TOKEN: 'secret-token-1', HOME: '/nonexistent' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`answered with a redirect to ${elsewhere.url}/collect: not followed`);
    expect(proxy.seen.map((s) => s.headers['x-auth-token'])).toEqual(['secret-token-1']);
    expect(elsewhere.seen).toEqual([]);
  });

  it("are not followed: a 307 does not take a sign-in's password elsewhere", async () => {
    const elsewhere = await serve((req, res) => {
      req.resume();
      res.writeHead(201).end('{}');
    });
    const proxy = await serve((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${elsewhere.url}/v3/auth/tokens` }).end();
    });
    const client = createKilnClient({ baseUrl: proxy.url });
    const failure = await client.login({ name: 'bob', password: 'bobs-password-1' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 307, code: 'REDIRECT' });
    expect(elsewhere.seen).toEqual([]);
  });
});

/** Runs `kiln ...args` with its stdout and stderr on a terminal (a pty made by util-linux `script`). */
async function onTerminal(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, KILN_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', TERM: 'dumb', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => out.push(c));
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
  return { code, screen: Buffer.concat(out).toString('utf8') };
}

describe('text from the server on a terminal', () => {
  it('shows escape sequences, C1 controls and bidi overrides in output as escapes', async () => {
    const server = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user(HOSTILE)));
    });
    const env = { KILN_URL: server.url, KILN_TOKEN: 't' };
    const shown = await onTerminal(['whoami'], env);
    expect(shown.code).toBe(0);
    expect(shown.screen).toContain('Bob\\u001b]0;owned\\u0007\\u001b]52;c;');
    expect(shown.screen).toContain('\\u009b31m\\u202etxt.exe');
    expect(shown.screen).not.toMatch(ACTING);
    // Piped, the output is data: written exactly.
    const piped = await runCli(['whoami'], { env: { ...env, HOME: '/nonexistent' } });
    expect(piped.stdout).toContain(HOSTILE);
  });

  it("shows an error message's escape sequences as escapes, on a terminal or not", async () => {
    const server = await serve((req, res) => {
      req.resume();
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error_code: 'KILN.403', error_msg: `denied ${HOSTILE}` }));
    });
    const env = { KILN_URL: server.url, KILN_TOKEN: 't' };
    const piped = await runCli(['whoami'], { env: { ...env, HOME: '/nonexistent' } });
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('denied Bob\\u001b]0;owned');
    expect(piped.stderr).not.toMatch(ACTING);
    const shown = await onTerminal(['whoami'], env);
    expect(shown.screen).toContain('denied Bob\\u001b]0;owned');
    expect(shown.screen).not.toMatch(ACTING);
  });
});
