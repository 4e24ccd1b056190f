import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { S3ArtifactBlobs, type S3ArtifactBlobsOptions } from '../../src/storage/files/s3-artifact-blobs.ts';

/** s3rver's own keys (it checks signatures made with them). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A real S3-protocol server on loopback with an empty bucket, and stores that use it. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** What the server printed, a line a request and more (it runs without --silent for this). */
  log: string[];
  /** A new directory for unfinished uploads (removed by close). */
  partsDir(): string;
  /** A store on the bucket (its parts under a new `partsDir()` unless given; `destroy()`ed by close). */
  blobs(options?: Partial<S3ArtifactBlobsOptions>): S3ArtifactBlobs;
  close(): Promise<void>;
}

/**
 * Starts s3rver (npm) on 127.0.0.1 and a free port, with its files in a temporary directory, in a
 * process of its own: its continuation tokens (ListObjectsV2 past one page) use DES, which Node's
 * OpenSSL 3 offers only with --openssl-legacy-provider, a flag the test process should not carry.
 */
export async function startTestS3(bucket = 'kiln-test'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-s3rver-'));
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      bin,
      '--directory',
      join(dir, 'data'),
      '--address',
      '127.0.0.1',
      '--port',
      '0',
      '--configure-bucket',
      bucket,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const log: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start in 20 s: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.push(line);
      const m = /listening on [\d.]+:(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3ArtifactBlobs[] = [];
  const partsDir = () => mkdtempSync(join(dir, 'parts-'));
  return {
    endpoint,
    bucket,
    log,
    partsDir,
    blobs(options = {}) {
      const store = new S3ArtifactBlobs({
        bucket,
        endpoint,
        region: 'us-east-1',
        credentials: CREDENTIALS,
        forcePathStyle: true,
        partsDir: partsDir(),
        ...options,
      });
      stores.push(store);
      return store;
    },
    async close() {
      for (const store of stores) store.destroy();
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
