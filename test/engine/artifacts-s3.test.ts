import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactRefusedError } from '../../src/protocol/runner-protocol.ts';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, shell, startModeKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';

/**
 * Artifacts kept in S3-compatible object storage (s3rver): a build's upload_artifact lands in the
 * bucket, sent by the runner straight into it with a presigned PUT, the API serves it whole and by
 * ranges, and a later build's download_artifact fetches it. On SQLite with the server's own runner,
 * and on PostgreSQL with a remote runner. A runner that cannot reach the store sends the bytes
 * through the server (9 MB: the server's copy into the bucket is a multipart upload).
 */

const UPLOAD = 'devcloud2018.codeci_action_20018.action';
const SIZE = 9_000_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A build (build.yml) that fetches the artifact at `url` and prints its sha256: its log. */
async function fetchInBuild(ek: EngineKiln, url: string): Promise<string> {
  const yamlRepo = new TestRepo();
  yamlRepo.commit('build.yml', {
    '.cloudbuild/build.yml': `version: 2.0
steps:
  BUILD:
    - download_artifact:
        inputs:
          url: ${url}
    - sh:
        inputs:
          command: sha256sum app.bin
`,
  });
  const consumer = await newYamlJob(ek, yamlRepo.url);
  await ek.run(consumer);
  const fetched = await ek.waitFinished(consumer, 1, 60_000);
  const log = await ek.log(consumer, 1);
  expect(fetched.state, log).toBe('SUCCESS');
  return log;
}

describe.each([MODES[0]!, MODES[3]!])('artifacts in S3, %s', (_label, mode, enabled) => {
  let s3: TestS3;
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let partsDir: string;
  const prefix = `engine/${mode.store}-${mode.runner}`;

  beforeAll(async () => {
    if (!enabled) return;
    s3 = await startTestS3();
    partsDir = s3.partsDir();
    kiln = await startModeKiln(mode, { artifactBlobs: s3.blobs({ prefix, partsDir }) });
    ek = kiln.ek;
  }, 60_000);
  afterAll(async () => {
    await kiln?.close();
    await s3?.close();
  });

  it.skipIf(!enabled)(
    'keeps an upload in the bucket, serves it, and a later build downloads it',
    async () => {
      const repo = new TestRepo();
      repo.commit('sources', { 'README.md': 'sources\n' });
      const producer = await ek.newJob({
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [
          shell('make', `head -c ${SIZE} /dev/urandom > app.bin`),
          { module_id: UPLOAD, name: 'upload', properties: { file: 'app.bin' } },
        ],
      });
      await ek.run(producer);
      const built = await ek.waitFinished(producer, 1, 60_000);
      expect(built.state, await ek.log(producer, 1)).toBe('SUCCESS');
      const [listed] = (await ek.get(`/v1/kiln/jobs/${producer}/1/artifacts`)).json().result.artifacts;
      expect(listed).toMatchObject({ name: 'app.bin', size: SIZE });

      // In the bucket, under the prefix: another store on it lists the artifact's key.
      const recordId = (await ek.recordInfo(producer, 1)).id;
      const { id } = (await ek.kiln.storage.artifacts.find(recordId, 'app.bin'))!;
      const inBucket: string[] = [];
      for await (const blob of s3.blobs({ prefix }).listBlobs()) inBucket.push(blob.key);
      expect(inBucket).toEqual([id]);
      // Sent straight into the bucket: a presigned PUT of the build's own key, no part on the server.
      expect(id.startsWith(`${recordId}.`)).toBe(true);
      expect(s3.log.some((l) => l.includes(`${id}?X-Amz-Algorithm=`))).toBe(true);
      expect(readdirSync(partsDir)).toEqual([]);
      expect(await ek.log(producer, 1)).not.toContain('sending it through the server');

      const url = `/v1/kiln/jobs/${producer}/1/artifacts/app.bin`;
      const whole = await ek.kiln.call(ek.token, { method: 'GET', url });
      expect(whole.statusCode).toBe(200);
      expect(whole.rawPayload.length).toBe(SIZE);
      expect(sha256(whole.rawPayload)).toBe(listed.sha256);
      expect(whole.headers.etag).toBe(`"${String(listed.sha256)}"`);
      const part = await ek.kiln.call(ek.token, {
        method: 'GET',
        url,
        headers: { range: 'bytes=8388600-8388615' },
      });
      expect(part.statusCode).toBe(206);
      expect(part.rawPayload.equals(whole.rawPayload.subarray(8_388_600, 8_388_616))).toBe(true);

      const log = await fetchInBuild(ek, url);
      expect(log).toContain(`${String(listed.sha256)}  app.bin`);
      // Fetched straight from the bucket too: a presigned GET of the artifact's object.
      expect(s3.log.some((l) => l.includes(`${id}?X-Amz-Algorithm=`) && l.includes('x-id=GetObject'))).toBe(
        true,
      );
      expect(log).not.toContain('fetching it through the server');
    },
    90_000,
  );
});

describe.skipIf(!MODES[0]![2])('direct uploads into S3 (SQLite, the own runner)', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startTestS3();
  }, 60_000);
  afterAll(() => s3?.close());

  /** A job whose build makes app.bin (`bytes` of it) and keeps it, run once: its log and artifact. */
  async function buildOnce(ek: EngineKiln, bytes: number) {
    const repo = new TestRepo();
    repo.commit('sources', { 'README.md': 'sources\n' });
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        shell('make', `head -c ${bytes} /dev/urandom > app.bin && sha256sum app.bin`),
        { module_id: UPLOAD, name: 'upload', properties: { file: 'app.bin' } },
      ],
    });
    await ek.run(job);
    const built = await ek.waitFinished(job, 1, 60_000);
    const log = await ek.log(job, 1);
    expect(built.state, log).toBe('SUCCESS');
    const [listed] = (await ek.get(`/v1/kiln/jobs/${job}/1/artifacts`)).json().result.artifacts;
    return { job, log, listed };
  }

  it('a runner that cannot reach the store sends and fetches the bytes through the server', async () => {
    // The address runners are given for the store answers nothing (port 9: discard, closed here).
    const blobs = s3.blobs({ prefix: 'unreachable', runnerEndpoint: 'http://127.0.0.1:9' });
    const kiln = await startModeKiln(MODES[0]![1], { artifactBlobs: blobs });
    try {
      const { job, log, listed } = await buildOnce(kiln.ek, SIZE);
      expect(log).toContain('the object store did not take app.bin from this runner');
      expect(log).toContain('sending it through the server');
      expect(listed).toMatchObject({ name: 'app.bin', size: SIZE });
      expect(log).toContain(`${String(listed.sha256)}  app.bin`);
      // And a later build's download_artifact fetches it through the server the same way.
      const fetched = await fetchInBuild(kiln.ek, `/v1/kiln/jobs/${job}/1/artifacts/app.bin`);
      expect(fetched).toContain('the object store did not give app.bin to this runner');
      expect(fetched).toContain(`${String(listed.sha256)}  app.bin`);
    } finally {
      await kiln.close();
    }
  }, 90_000);

  it('records only an object of its own build that holds the bytes announced; the same record twice answers the same', async () => {
    const blobs = s3.blobs({ prefix: 'checks' });
    const kiln = await startModeKiln(MODES[0]![1], { artifactBlobs: blobs, artifactMaxBytes: 1000 });
    try {
      const { ek } = kiln;
      // A build that holds its lease while the test speaks for its runner.
      const repo = new TestRepo();
      repo.commit('sources', { 'README.md': 'sources\n' });
      const job = await ek.newJob({
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [shell('wait', 'sleep 30')],
      });
      await ek.run(job);
      const recordId = (await ek.recordInfo(job, 1)).id;
      const running = await waitUntil('the build runs its step', async () => {
        const run = await ek.kiln.storage.builds.findRun(recordId);
        return run?.build.runningStatus === 'Running' ? run : undefined;
      });
      const runnerId = running.runnerId ?? undefined;
      const artifacts = ek.kiln.engine.artifacts;
      const upload = { name: 'out.txt', version: '', size: 11 };

      await expect(artifacts.directTarget(runnerId!, recordId, { ...upload, size: 1001 })).rejects.toThrow(
        /at most 1000 bytes/,
      );
      const target = (await artifacts.directTarget(runnerId!, recordId, upload))!;
      expect(target.key.startsWith(`${recordId}.`)).toBe(true);
      // Ten bytes where eleven were announced: refused, and the object is deleted.
      const short = await fetch(target.url, { method: 'PUT', body: 'ten bytes!', headers: {} });
      expect(short.ok, await short.text()).toBe(true);
      const sent = { ...upload, key: target.key, sha256: sha256(Buffer.from('hello world')) };
      await expect(artifacts.commitDirect(runnerId!, recordId, sent)).rejects.toThrow(
        /holds 10 bytes of out.txt, not the 11 announced/,
      );
      expect(await blobs.blobSize(target.key)).toBeUndefined();
      // A key of another build is refused, whatever it holds.
      const again = (await artifacts.directTarget(runnerId!, recordId, upload))!;
      const put = await fetch(again.url, { method: 'PUT', body: 'hello world' });
      expect(put.ok).toBe(true);
      const foreign = `${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}.${again.key.split('.')[1]}`;
      await expect(
        artifacts.commitDirect(runnerId!, recordId, { ...sent, key: foreign }),
      ).rejects.toBeInstanceOf(ArtifactRefusedError);
      // The right one is kept; asked again, the same answer and no second row.
      const kept = await artifacts.commitDirect(runnerId!, recordId, { ...sent, key: again.key });
      expect(kept).toEqual({ name: 'out.txt', version: '1', size: 11, sha256: sent.sha256 });
      expect(await artifacts.commitDirect(runnerId!, recordId, { ...sent, key: again.key })).toEqual(kept);
      // Nor may another artifact of the build take the same object.
      await expect(
        artifacts.commitDirect(runnerId!, recordId, { ...sent, name: 'other.txt', key: again.key }),
      ).rejects.toThrow(/already holds another artifact/);
      const listed = (await ek.get(`/v1/kiln/jobs/${job}/1/artifacts`)).json().result.artifacts;
      expect(listed).toHaveLength(1);
      // download_artifact's presigned GET: after the same checks as the fetch through the server.
      await expect(artifacts.directFetchForBuild(runnerId!, recordId, 'elsewhere')).rejects.toThrow(
        /not an artifact address/,
      );
      const source = (await artifacts.directFetchForBuild(
        runnerId!,
        recordId,
        `/v1/kiln/jobs/${job}/1/artifacts/out.txt`,
      ))!;
      expect(source).toMatchObject({ name: 'out.txt', size: 11, sha256: sent.sha256 });
      expect(await (await fetch(source.url)).text()).toBe('hello world');
      const body = await ek.kiln.call(ek.token, {
        method: 'GET',
        url: `/v1/kiln/jobs/${job}/1/artifacts/out.txt`,
      });
      expect(body.payload).toBe('hello world');
    } finally {
      await kiln.close();
    }
  }, 90_000);
});
