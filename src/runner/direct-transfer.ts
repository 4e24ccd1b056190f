import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DirectArtifactSource, DirectArtifactTarget } from '../protocol/runner-protocol.ts';
import { openBeneath, type FileBeneath } from './file-beneath.ts';

/** An object store that sends nothing for this long (connecting, taking bytes, answering) is given up. */
const IDLE_MS = 30_000;

/**
 * PUTs the first `size` bytes of `file` (opened following no link: file-beneath.ts) to a presigned URL of the object store
 * (`target`), streamed (never whole in memory) with the Content-Length the URL was signed for;
 * resolves with the sha256 of the bytes sent. Throws on any answer but 2xx, or when the store
 * cannot be reached or goes quiet.
 */
export async function putFileDirect(
  target: DirectArtifactTarget,
  file: FileBeneath,
  size: number,
  signal: AbortSignal,
): Promise<string> {
  const url = new URL(target.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const hash = createHash('sha256');
  const handle = await openBeneath(file, constants.O_RDONLY);
  const body =
    size === 0
      ? Readable.from([])
      : handle.createReadStream({ start: 0, end: size - 1, highWaterMark: 1024 * 1024, autoClose: false });
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = send(url, { method: 'PUT', headers: target.headers, signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) return rejectWithAnswer(res, reject);
        res.resume();
        res.once('error', reject);
        res.once('end', () => resolve());
      });
      giveUpWhenQuiet(req, reject);
      pipeline(body, hashing, req).catch(reject);
    });
  } finally {
    body.destroy();
    await handle.close().catch(() => {});
  }
  return hash.digest('hex');
}

/**
 * Opens a GET of a presigned URL of the object store (`source`, from directFetchArtifact) and
 * resolves with the answer's bytes once it says 200. Throws on any other answer, or when the store
 * cannot be reached or goes quiet.
 */
export function getDirect(
  source: DirectArtifactSource,
  signal: AbortSignal,
): Promise<AsyncIterable<Uint8Array>> {
  const url = new URL(source.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', signal }, (res) => {
      if (res.statusCode === 200) resolve(res);
      else rejectWithAnswer(res, reject);
    });
    giveUpWhenQuiet(req, reject);
    req.end();
  });
}

/**
 * Rejects with what the store answered instead: its status and S3's error code. Nothing else of
 * the body: it goes to the build log, and S3's signature errors repeat the request signed (the
 * access key's id among it).
 */
function rejectWithAnswer(res: IncomingMessage, reject: (error: Error) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text = (text + chunk).slice(0, 2_000)));
  res.once('error', reject);
  res.once('end', () => {
    const code = /<Code>([\w.-]{1,64})<\/Code>/.exec(text)?.[1];
    reject(new Error(`the object store answered ${res.statusCode}${code ? ` (${code})` : ''}`));
  });
}

/** Fails the request when the store sends nothing for IDLE_MS, and on any error of it. */
function giveUpWhenQuiet(req: ClientRequest, reject: (error: Error) => void): void {
  req.setTimeout(IDLE_MS, () =>
    req.destroy(new Error(`the object store sent nothing for ${IDLE_MS / 1000} s`)),
  );
  req.once('error', reject);
}
