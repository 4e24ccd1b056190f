import { existsSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

/**
 * `kiln logout` says "Revoke the saved token and forget it". A real `kiln serve` behind a
 * forwarding proxy on loopback: the user logs in through the proxy, then the proxy answers only
 * `502 Bad Gateway` (the server is restarting behind it) and the user logs out. The token is
 * still valid on the server, so the command must not report a plain success: it fails, or at
 * least says the token was not revoked, instead of "Logged out" and exit 0.
 */
describe('kiln logout when the server cannot revoke the token', () => {
  let server: ServerProcess;
  let user: CliUser;
  let proxy: Server;
  let proxyUrl = '';
  let broken = false;

  beforeAll(async () => {
    server = await startServerProcess();
    const target = new URL(server.url);
    proxy = createServer((req, res) => {
      if (broken) {
        res
          .writeHead(502, { 'content-type': 'text/html' })
          .end('<html><title>502 Bad Gateway</title></html>');
        return;
      }
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    user = cliUser(server);
    user.env.KILN_URL = proxyUrl;
    await user.login();
  });
  afterAll(async () => {
    user?.cleanup();
    await new Promise((resolve) => proxy?.close(resolve));
    await server?.stop();
  });

  it('does not say "Logged out" with exit 0 while the token still works', async () => {
    const credentials = JSON.parse(readFileSync(`${user.home}/.config/kiln/credentials.json`, 'utf8')) as {
      token: string;
    };
    broken = true;
    const logout = await user.run(['logout']);
    // The token was not revoked: it still signs requests in at the server itself.
    const stillValid = await fetch(`${server.url}/v1/kiln/users/me`, {
      headers: { 'x-auth-token': credentials.token },
    });
    expect(stillValid.status).toBe(200);
    const toldSo = logout.code !== 0 || /revok/i.test(logout.stderr);
    expect(
      toldSo,
      `exit ${logout.code}, stdout ${JSON.stringify(logout.stdout)}, stderr ${JSON.stringify(logout.stderr)}`,
    ).toBe(true);
  });

  it('keeps the credentials so logout can be run again, and forgets them with --forget', async () => {
    broken = true;
    const file = `${user.home}/.config/kiln/credentials.json`;
    const again = await user.run(['logout']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/could not be revoked.*kiln logout --forget/);
    expect(existsSync(file)).toBe(true);
    const forgotten = await user.run(['logout', '--forget']);
    expect(forgotten.code, forgotten.stderr).toBe(0);
    expect(forgotten.stderr).toMatch(/not be revoked/);
    expect(existsSync(file)).toBe(false);
  });

  it('logs out once the server revokes the token', async () => {
    broken = false;
    await user.login();
    const file = `${user.home}/.config/kiln/credentials.json`;
    const { token } = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
    const logout = await user.run(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toMatch(/Logged out/);
    expect(existsSync(file)).toBe(false);
    const me = await fetch(`${server.url}/v1/kiln/users/me`, { headers: { 'x-auth-token': token } });
    expect(me.status).toBe(401);
  });
});
