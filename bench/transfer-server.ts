import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The bare server the artifacts benchmark measures Kiln against: node:http, `PUT /upload` streams
 * the body into `<upload file>`, `GET /download` streams `<download file>` back with its
 * Content-Length. No auth, no hashing, no fsync, no database, no logging.
 *   node --import tsx bench/transfer-server.ts <upload file> <download file> <port> [heap MB]
 * For the benchmark's explanations (not the baseline): `PUT /upload?store=1` also does what Kiln's
 * artifact store does to the bytes (sha256 as they arrive, fsync at the end); `heap MB` makes the
 * server hold that much of live JavaScript objects first, as a real server does (Kiln's heap).
 */
const [uploadFile, downloadFile, port, heapMb] = process.argv.slice(2) as [string, string, string, string?];

const held: unknown[] = [];
while (process.memoryUsage().heapUsed < Number(heapMb ?? 0) * 1024 * 1024)
  held.push(Array.from({ length: 1000 }, (_, i) => ({ i, text: `object ${i}` })));

async function receive(body: NodeJS.ReadableStream, store: boolean): Promise<void> {
  if (!store) return pipeline(body, createWriteStream(uploadFile));
  const hash = createHash('sha256');
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, count, createWriteStream(uploadFile));
  const file = await open(uploadFile, 'r');
  await file.sync();
  await file.close();
  hash.digest('hex');
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'PUT' && url.pathname === '/upload') {
    receive(req, url.searchParams.has('store')).then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"held":${held.length}}`),
      (error: Error) => res.writeHead(500).end(error.message),
    );
    return;
  }
  if (req.method === 'GET' && url.pathname === '/download') {
    const { size } = statSync(downloadFile);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    pipeline(createReadStream(downloadFile), res).catch(() => res.destroy());
    return;
  }
  res.writeHead(url.pathname === '/readyz' ? 200 : 404).end();
}).listen(Number(port), '127.0.0.1');
