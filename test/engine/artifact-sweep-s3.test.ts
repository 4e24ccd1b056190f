import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, TestClock, type TestKiln } from '../helpers/app.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';

/**
 * The artifact sweep on S3 deletes "bytes no row names". configuration.md: it deletes "the objects
 * of its own key form" under the prefix; s3-artifact-blobs.ts: "names Kiln never makes are someone
 * else's: not listed, so never swept". Kiln's keys are 32 hex digits (through the server) or
 * `<record uuid>.<32 hex>` (direct uploads). Other objects in the bucket must survive a sweep.
 */

const HOUR = 3_600_000;

describe('S3 artifact sweep and objects Kiln never made', () => {
  let s3: TestS3;
  let kiln: TestKiln;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startTestS3();
    kiln = await createTestKiln({ artifactBlobs: s3.blobs(), clock: TestClock.live() });
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await kiln?.close();
    await s3?.close();
  });

  it('never deletes objects whose names are not of Kiln’s key form (readme.txt, a backup, a page)', async () => {
    const foreign = ['readme.txt', 'backup-2024-06-01.tar.gz', 'index.html', 'v1.2.3'];
    for (const Key of foreign)
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: `not kiln's: ${Key}` }));
    // Two hours later, the hourly sweep runs.
    kiln.clock.advance(2 * HOUR);
    const swept = await kiln.engine.artifacts.sweep();
    const left: string[] = [];
    for (const Key of foreign) {
      try {
        await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }));
        left.push(Key);
      } catch {
        // gone
      }
    }
    expect({ swept: swept.orphans, left }).toEqual({ swept: 0, left: foreign });
  });
});
