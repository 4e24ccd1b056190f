import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

/**
 * KILN_URL pointing at an HTTP server that is not Kiln (a typo'd port, a proxy's error page, some
 * other JSON API): the CLI must fail (exit 1) with one line that says the server did not answer as
 * Kiln does, never print a made-up result with exit 0, and never show JavaScript internals.
 */

const JOB = '0123456789abcdef0123456789abcdef';

/** A loopback server answering every request with `status`, `type` and `body`. */
async function listener(
  status: number,
  type: string,
  body: string,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('kiln against an HTTP server that is not Kiln', () => {
  let json: { url: string; server: Server };
  let html200: { url: string; server: Server };
  let html502: { url: string; server: Server };
  const cli = (url: string, args: string[]) =>
    runCli(args, { env: { KILN_URL: url, KILN_TOKEN: 'some-token', HOME: '/nonexistent' } });

  beforeAll(async () => {
    json = await listener(200, 'application/json', '{"status":"ok"}');
    html200 = await listener(
      200,
      'text/html',
      '<!doctype html>\n<html><body>Welcome to nginx!</body></html>\n',
    );
    html502 = await listener(
      502,
      'text/html',
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    );
  });
  afterAll(async () => {
    for (const l of [json, html200, html502]) await new Promise((resolve) => l?.server.close(resolve));
  });

  // src/cli/commands/run.ts: `Number(started.actual_build_number)` of an answer without the field
  // is NaN, printed as the build number with exit 0; `BUILD=$(kiln run "$JOB")` then holds "NaN".
  it('kiln run does not print NaN and exit 0 when the answer has no build number', async () => {
    const r = await cli(json.url, ['run', JOB]);
    expect(r.stdout).not.toContain('NaN');
    expect(r.code).toBe(1);
  });

  // The typed client reads `.result.…` of whatever JSON came back: the user sees
  // "kiln: Cannot read properties of undefined (reading 'job_build_states')".
  it('an answer of another shape is not reported as a JavaScript TypeError', async () => {
    for (const args of [
      ['builds', JOB],
      ['logs', JOB, '1'],
      ['jobs', 'list'],
    ]) {
      const r = await cli(json.url, args);
      expect(r.code).toBe(1);
      expect(r.stderr, args.join(' ')).not.toMatch(/Cannot read properties of undefined/);
      expect(r.stderr, args.join(' ')).toContain(json.url);
    }
  });

  // A 200 HTML page (src/client/kiln-client.ts call(): response.json()) shows as
  // "kiln: Unexpected token '<', "<!doctype "... is not valid JSON", which does not say which
  // server answered or that it is not Kiln.
  it('an HTML page answered with 200 is reported as not being Kiln, naming the URL', async () => {
    const r = await cli(html200.url, ['builds', JOB]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/Unexpected token/);
    expect(r.stderr).toContain(html200.url);
  });

  // docs/cli.md "Exit codes": "A failure is one line on stderr starting with `kiln: `".
  // src/client/api-error.ts errorFromResponse puts the first 200 characters of a non-JSON error
  // body into the message, so a proxy's 502 page is dumped as seven lines of HTML.
  it('an HTML error page (502 from a proxy) is one line on stderr, not the page', async () => {
    const r = await cli(html502.url, ['builds', JOB]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('<html>');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^kiln: .*502/);
  });
});
