import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameServer } from '../../src/cli/context.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

/**
 * The saved token goes only to the server that issued it: a `kiln login` on one real server, then
 * KILN_URL (or --url) naming another. The other is a second real `kiln serve`, and a plain HTTP
 * listener on loopback that records every header it is sent, so a leaked token would show.
 */
describe('kiln sends its saved token only to the server it logged in to', () => {
  let first: ServerProcess;
  let second: ServerProcess;
  let user: CliUser;
  let listener: Server;
  let listenerUrl = '';
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    [first, second] = await Promise.all([startServerProcess(), startServerProcess()]);
    user = cliUser(first);
    await user.login();
    listener = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":"x","error_msg":"x"}');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    user?.cleanup();
    await new Promise((resolve) => listener?.close(resolve));
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('uses it with the server it was issued by, however its URL is spelled', async () => {
    expect((await user.run(['whoami'])).stdout).toContain(
      `admin (admin), domain administrator at ${first.url}`,
    );
    const slash = await user.run(['whoami'], { env: { KILN_URL: `${first.url}/` } });
    expect(slash.code).toBe(0);
  });

  it('refuses another server named by KILN_URL, and says what to do', async () => {
    const byEnv = await user.run(['whoami'], { env: { KILN_URL: second.url } });
    expect(byEnv.code).toBe(1);
    expect(byEnv.stderr).toContain(
      `kiln: the saved login is for ${first.url}, not ${second.url}: its token is not sent elsewhere; run \`kiln login --url ${second.url}\``,
    );
  });

  it('sends nothing to a listener it was pointed at, and no token at all', async () => {
    const r = await user.run(['jobs', 'list', 'default'], { env: { KILN_URL: listenerUrl } });
    expect(r.code).toBe(1);
    expect(seen).toEqual([]);
    // The check is not the listener failing: a token given explicitly does reach it.
    await user.run(['whoami'], { env: { KILN_URL: listenerUrl, KILN_TOKEN: 'explicit-token' } });
    expect(seen.map((h) => h['x-auth-token'])).toEqual(['explicit-token']);
  });

  it('works on the second server after logging in there, which becomes the saved one', async () => {
    const login = await user.run(['login', '--url', second.url], { stdin: `${second.adminPassword}\n` });
    expect(login.code).toBe(0);
    expect((await user.run(['whoami'], { env: { KILN_URL: second.url } })).code).toBe(0);
    expect((await user.run(['whoami'], { env: { KILN_URL: first.url } })).stderr).toContain(
      `the saved login is for ${second.url}`,
    );
  });
});

describe('sameServer', () => {
  it('compares scheme, host, port and path', () => {
    expect(sameServer('http://127.0.0.1:8080', 'http://127.0.0.1:8080/')).toBe(true);
    expect(sameServer('HTTP://Kiln.example', 'http://kiln.example:80')).toBe(true);
    expect(sameServer('http://kiln.example/ci', 'http://kiln.example/ci/')).toBe(true);
    expect(sameServer('http://kiln.example', 'https://kiln.example')).toBe(false);
    expect(sameServer('http://127.0.0.1:8080', 'http://127.0.0.1:8081')).toBe(false);
    expect(sameServer('http://kiln.example', 'http://kiln.example.evil.test')).toBe(false);
    expect(sameServer('http://kiln.example/ci', 'http://kiln.example/other')).toBe(false);
  });
});
