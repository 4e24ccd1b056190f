import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, formBody, onEveryStore, tokenOf } from '../helpers/foundation.ts';

/**
 * Text with a NUL character (U+0000) in the file manager and the recycle bin: PostgreSQL's text
 * cannot hold it, so unless Kiln refuses it first, the store fails and the caller gets a 500.
 * Bad input must be a 4xx naming the field (docs/errors.md), on either store.
 */

onEveryStore((store) => {
  describe('NUL characters in what is kept', () => {
    let kiln: TestKiln;
    let admin: string;
    let fileId: string;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const ok = await kiln.call(admin, {
        method: 'POST',
        url: '/v2/keystore/upload',
        ...formBody({ privacy: 'private', description: 'fine' }, { name: 'settings.xml', data: '<x/>' }),
      });
      expect(ok.statusCode, ok.body).toBe(200);
      fileId = ok.json().result.keystore_id;
    });
    afterAll(() => kiln?.close());

    it('UploadKeystore with a NUL in its description is not a 500', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v2/keystore/upload',
        ...formBody({ privacy: 'private', description: 'a\u0000b' }, { name: 'npmrc', data: 'x' }),
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain('field description holds a NUL character (U+0000)');
    });

    it('UpdateKeystore with a NUL in its description is not a 500', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: `/v2/keystore/update/${fileId}`,
        payload: { id: fileId, keystore_name: 'settings.xml', description: 'c\u0000d', share: 0 },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toBe(
        "body field 'description' holds a NUL character (U+0000), which Kiln does not keep",
      );
    });

    it('ListKeystoreSearch with search=%00 is not a 500', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v2/keystore/list?search=%00' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain("query parameter 'search' holds a NUL character");
    });

    it('ListRecyclingJob with search=%00 is not a 500', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/job/recycling-jobs?search=%00' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain("query parameter 'search' holds a NUL character");
    });
  });
});
