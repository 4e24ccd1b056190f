import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KILN_BIN } from '../helpers/cli.ts';

/**
 * Ctrl-C during `kiln artifacts download`. docs/cli.md, artifacts: "An interrupted download (a
 * dropped connection, Ctrl-C) leaves `NAME.part`, and the message says to run the command again".
 * A dropped connection does say so (src/cli/artifact-files.ts saveArtifact's catch); Ctrl-C kills
 * the process with nothing on stderr at all: no SIGINT handling in src/cli/commands/artifacts.ts,
 * so the user gets no word that a .part was left or that the next run resumes it.
 *
 * The server is a loopback stand-in for Kiln's two artifact operations: the list, and a download
 * that sends its first 64 KiB and then holds the connection open, as a slow link does.
 */

const JOB = '0123456789abcdef0123456789abcdef';
const SIZE = 10_000_000;
const SHA = 'a'.repeat(64);
let server: Server;
let url = '';
let dir = '';
const held: ServerResponse[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-cli-interrupt-'));
  server = createServer((req, res) => {
    if (req.url === `/v1/kiln/jobs/${JOB}/1/artifacts`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          result: {
            artifacts: [
              {
                name: 'app.bin',
                version: '1',
                size: SIZE,
                sha256: SHA,
                content_type: 'application/octet-stream',
                created_at: Date.now(),
                uri: `/v1/kiln/jobs/${JOB}/1/artifacts/app.bin`,
              },
            ],
          },
        }),
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(SIZE),
      etag: `"${SHA}"`,
    });
    res.write(Buffer.alloc(65_536, 1));
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

it('Ctrl-C during a download leaves NAME.part and says to run the command again', async () => {
  const child = spawn(process.execPath, [KILN_BIN, 'artifacts', 'download', JOB, '1', '-o', dir], {
    env: { PATH: process.env.PATH, HOME: dir, KILN_URL: url, KILN_TOKEN: 't', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  const part = join(dir, 'app.bin.part');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !(existsSync(part) && statSync(part).size > 0))
    await new Promise((r) => setTimeout(r, 50));
  expect(statSync(part).size).toBeGreaterThan(0);
  child.kill('SIGINT');
  expect(await closed).toBe(130);

  expect(existsSync(join(dir, 'app.bin'))).toBe(false);
  expect(existsSync(part)).toBe(true);
  expect(stdout).not.toContain('saved');
  expect(stderr).toMatch(/run the command again/);
}, 30_000);
