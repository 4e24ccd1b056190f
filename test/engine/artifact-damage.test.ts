import { mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * An artifact whose bytes on disk were damaged (cut short by hand, a disk fault) over real HTTP:
 * the answer announced the recorded length, so the server cuts the connection when the file ends
 * early, and the client fails at once instead of waiting for bytes that never come.
 */

let ek: EngineKiln;
let url: string;
const blobsDir = mkdtempSync(join(tmpdir(), 'kiln-damaged-'));

beforeAll(async () => {
  ek = await startEngineKiln({ artifactBlobs: new FsArtifactBlobs(blobsDir) });
  await ek.kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = ek.kiln.app.server.address() as { port: number };
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await ek?.close();
  rmSync(blobsDir, { recursive: true, force: true });
});

/** Every file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

it('cuts the download of an artifact whose file ends before its recorded size', async () => {
  const jobId = await ek.newJob({ scms: [], steps: [shell('s', 'true')] });
  await ek.run(jobId);
  const { dispatch } = ek.kiln.engine;
  const lease = await dispatch.next('r1', new AbortController().signal, 0);
  const recordId = (lease as NonNullable<typeof lease>).recordId;
  await dispatch.started('r1', recordId, { commitId: '', commitTime: null, commitMessage: '', branch: '' });
  const bytes = Buffer.alloc(300_000, 7);
  await dispatch.peer('r1').artifact(recordId, {
    name: 'data.bin',
    version: '',
    size: bytes.length,
    offset: 0,
    body: Readable.from([bytes]),
  });
  const download = `${url}/v1/kiln/jobs/${jobId}/1/artifacts/data.bin`;
  const headers = { 'x-auth-token': ek.token };
  const whole = await fetch(download, { headers });
  expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

  const [blob, ...others] = files(blobsDir);
  expect(others).toEqual([]);
  truncateSync(blob as string, 1_000);
  const cut = await fetch(download, { headers, signal: AbortSignal.timeout(10_000) });
  expect(cut.status).toBe(200);
  expect(cut.headers.get('content-length')).toBe('300000');
  const failed = await cut.arrayBuffer().then(
    () => 'the whole body arrived',
    (e: Error) => e.name,
  );
  // Cut by the server (a terminated body), not by the client's 10 s timeout.
  expect(failed).toBe('TypeError');

  // Nothing left at all: the failure comes before the first byte, and the answer is an error,
  // with none of the file's headers (a browser would save it as the artifact).
  truncateSync(blob as string, 0);
  const empty = await fetch(download, { headers, signal: AbortSignal.timeout(10_000) });
  expect(empty.status).toBe(500);
  expect(empty.headers.get('content-disposition')).toBeNull();
  expect(empty.headers.get('etag')).toBeNull();
  expect(((await empty.json()) as { error_code: string }).error_code).toBe('CB.00060101');
});
