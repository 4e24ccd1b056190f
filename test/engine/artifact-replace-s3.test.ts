import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, shell, startModeKiln, waitUntil } from '../helpers/engine.ts';
import { startTestS3, type TestS3 } from '../helpers/s3rver.ts';

/**
 * An upload that replaces the build's artifact of the same name, when the object store does not
 * delete the replaced object (a 5xx, an object lock, a DeleteObjects answer listing it): the new
 * artifact is recorded, so its bytes must stay. Found by experiment against s3rver with the old
 * object made undeletable: the build said "kept x.txt" and ended SUCCESS, the download answered
 * 404 "the artifact's bytes are gone from the store", and the bucket held only the replaced
 * bytes, which no row names.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.skipIf(!MODES[0]![2])('an artifact replaced while the store will not delete the old bytes', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startTestS3();
  }, 60_000);
  afterAll(() => s3?.close());

  it('keeps the new bytes the row names; the old ones are left for the sweep', async () => {
    const blobs = s3.blobs({ prefix: 'replace' });
    const kiln = await startModeKiln(MODES[0]![1], { artifactBlobs: blobs });
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
      const runnerId = running.runnerId!;
      const artifacts = ek.kiln.engine.artifacts;

      /** upload_artifact of out.txt holding `text`, sent straight into the bucket; the object's key. */
      const send = async (text: string) => {
        const upload = { name: 'out.txt', version: '', size: text.length };
        const target = (await artifacts.directTarget(runnerId, recordId, upload))!;
        const put = await fetch(target.url, { method: 'PUT', body: text });
        expect(put.ok, await put.text()).toBe(true);
        const sent = { ...upload, key: target.key, sha256: sha256(text) };
        // As the runner does: an error is asked again.
        await artifacts
          .commitDirect(runnerId, recordId, sent)
          .catch(() => artifacts.commitDirect(runnerId, recordId, sent));
        return target.key;
      };

      const first = await send('first');
      // From now on the store refuses to delete the first object (and only it).
      const realDelete = blobs.delete.bind(blobs);
      blobs.delete = async (keys: string[]) => {
        if (keys.includes(first)) throw new Error('the object store kept 1 of 1 objects: AccessDenied');
        return realDelete(keys);
      };
      const second = await send('second');

      const row = await ek.kiln.storage.artifacts.find(recordId, 'out.txt');
      expect(row?.id).toBe(second);
      expect(await blobs.blobSize(second)).toBe(6);
      const got = await ek.kiln.call(ek.token, {
        method: 'GET',
        url: `/v1/kiln/jobs/${job}/1/artifacts/out.txt`,
      });
      expect({ status: got.statusCode, body: got.payload }).toEqual({ status: 200, body: 'second' });
      // The first object is named by no row: bytes for the sweep, not a lost artifact.
      expect((await ek.kiln.storage.artifacts.known([first])).has(first)).toBe(false);
    } finally {
      await kiln.close();
    }
  }, 90_000);
});
