import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { attachment, exactly, noneMatch } from '../../src/server/http-conditions.ts';

describe('If-None-Match (RFC 9110 §13.1.2)', () => {
  const etag = '"abc"';
  it('matches the tag, its weak form, a list holding it, and *', () => {
    for (const header of ['"abc"', 'W/"abc"', '"x", "abc"', '"x",W/"abc"', '*'])
      expect(noneMatch(header, etag), header).toBe(true);
  });
  it('does not match another tag, a prefix of it, or no header', () => {
    for (const header of ['"abd"', '"ab"', 'abc', '', undefined]) expect(noneMatch(header, etag)).toBe(false);
  });
});

describe('Content-Disposition of a download (RFC 8187)', () => {
  it("escapes what is not an attr-char, quote and parentheses included, and keeps the name's letters", () => {
    expect(attachment("quo'te(1)*.txt")).toBe("attachment; filename*=UTF-8''quo%27te%281%29%2A.txt");
    expect(attachment('a b/ä.tgz')).toBe("attachment; filename*=UTF-8''a%20b%2F%C3%A4.tgz");
    expect(attachment('app-1.0_x.jar')).toBe("attachment; filename*=UTF-8''app-1.0_x.jar");
  });
});

describe('a body of exactly its Content-Length', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** Serves `chunks` as a body announced as `length` bytes; what a client then gets. */
  async function fetchBody(chunks: string[], length: number): Promise<{ body?: string; error?: string }> {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(length) });
      const body = exactly(Readable.from(chunks.map((c) => Buffer.from(c))), length);
      // As Fastify does with a stream that fails after the headers: the answer is cut.
      body.on('error', () => res.destroy());
      body.pipe(res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ body }));
        res.on('error', (e) => resolve({ error: e.message }));
        res.on('aborted', () => resolve({ error: 'aborted' }));
      });
      req.on('error', (e) => resolve({ error: e.message }));
      req.end();
    });
  }

  it('passes a whole body through', async () => {
    expect(await fetchBody(['hello ', 'world'], 11)).toEqual({ body: 'hello world' });
  });

  it('cuts the connection when the body ends short, rather than leave the client waiting', async () => {
    const got = await fetchBody(['hel'], 11);
    expect(got.body).toBeUndefined();
    expect(got.error).toBeTruthy();
  });

  it('fails a body that runs long', async () => {
    const body = exactly(Readable.from([Buffer.from('too long')]), 3);
    await expect(async () => {
      for await (const _ of body);
    }).rejects.toThrow('ran past its 3 bytes');
  });
});
