import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, createUser, setRole, tokenOf } from '../helpers/foundation.ts';
import { expectOk } from './operations/common.ts';

/**
 * Where a job's notifications go is a developer's choice (docs/security.md), so what answers there
 * is too. Kiln keeps at most the first 2,000 characters of an answer (DingTalk's errcode is all it
 * looks for), and must read no more than that: an answer of 512 MiB of zeros, gzipped to half a
 * megabyte, was read whole (fetch unzips it) into the server's memory, half a gigabyte for each
 * attempt (20 are made at once) from one request to a receiver of the developer's.
 */

const MIB = 1024 * 1024;

/** 512 MiB of zeros, gzipped, without holding them all at once. */
async function gzipBomb(): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const zeros = Buffer.alloc(16 * MIB);
  for (let i = 0; i < 32; i++) gz.write(zeros);
  gz.end();
  await done;
  return Buffer.concat(parts);
}

describe("a notification receiver's huge answer", () => {
  let kiln: TestKiln;
  let developer: string;
  let project = '';
  let server: Server;
  let url = '';

  beforeAll(async () => {
    const bomb = await gzipBomb();
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': bomb.length,
      });
      res.end(bomb);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    kiln = await createTestKiln();
    const admin = await tokenOf(kiln, ADMIN);
    project = await kiln.defaultProjectId();
    await createUser(kiln, admin, 'bomb-dev', 'Bomb-pass-123');
    await setRole(kiln, admin, project, 'bomb-dev', 'developer');
    developer = await tokenOf(kiln, { name: 'bomb-dev', password: 'Bomb-pass-123', domain: 'default' });
  }, 60_000);
  afterAll(async () => {
    await kiln?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('is not read whole into the memory of the server', async () => {
    const jobId = await createJob(kiln, developer, project, { job_name: 'answer-size' });
    expectOk(
      await kiln.call(developer, {
        method: 'POST',
        url: `/v3/jobs/notice/${jobId}/update`,
        payload: {
          notice_type: 'DING_TALK',
          enabled_event_type_names: [],
          param_config: JSON.stringify({ webhook_url: url }),
        },
      }),
    );
    const before = process.memoryUsage().rss;
    const res = await kiln.call(developer, {
      method: 'POST',
      url: `/v1/kiln/jobs/${jobId}/notice/test`,
      payload: { notice_type: 'DING_TALK' },
    });
    const grew = process.memoryUsage().rss - before;
    expectOk(res);
    expect(res.json().result).toMatchObject({ ok: true, status_code: 200 });
    expect(grew).toBeLessThan(100 * MIB);
  }, 30_000);
});
