import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, shell, startModeKiln, type EngineKiln } from '../helpers/engine.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';

/**
 * Artifacts kept in S3-compatible object storage (s3rver): a build's upload_artifact lands in the
 * bucket (9 MB: a multipart upload), the API serves it whole and by ranges, and a later build's
 * download_artifact fetches it. On SQLite with the server's own runner, and on PostgreSQL with a
 * remote runner (whose upload streams over HTTP to the server's disk, then to the bucket).
 */

const UPLOAD = 'devcloud2018.codeci_action_20018.action';
const SIZE = 9_000_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each([MODES[0]!, MODES[3]!])('artifacts in S3, %s', (_label, mode, enabled) => {
  let s3: TestS3;
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  const prefix = `engine/${mode.store}-${mode.runner}`;

  beforeAll(async () => {
    if (!enabled) return;
    s3 = await startTestS3();
    kiln = await startModeKiln(mode, { artifactBlobs: s3.blobs({ prefix }) });
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
      const consumer = await ek.newJob({
        build_config_type: 'YAML',
        scms: [{ url: yamlRepo.url, scm_type: 'git', branch: 'main' }],
        steps: [],
      });
      await ek.run(consumer);
      const fetched = await ek.waitFinished(consumer, 1, 60_000);
      const log = await ek.log(consumer, 1);
      expect(fetched.state, log).toBe('SUCCESS');
      expect(log).toContain(`${String(listed.sha256)}  app.bin`);
    },
    90_000,
  );
});
