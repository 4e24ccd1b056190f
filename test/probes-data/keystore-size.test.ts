import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, formBody, tokenOf } from '../helpers/foundation.ts';

/**
 * docs/files.md: "KILN_FILE_MAX_BYTES caps a file (default 1 MiB, at most 64 MiB): a larger upload
 * is a 413 saying both sizes". A file past 64 MiB (the route's fixed body limit, whatever the cap)
 * gets Fastify's bare "the request body is too large" instead, naming neither size.
 */
describe('UploadKeystore size cap', () => {
  let kiln: TestKiln;
  let admin: string;
  beforeAll(async () => {
    kiln = await createTestKiln({});
    admin = await tokenOf(kiln, ADMIN);
  });
  afterAll(() => kiln?.close());

  it('a 65 MiB upload (cap 1 MiB) is a 413 that names the cap and the file’s size', async () => {
    const size = 65 * 1024 * 1024;
    const res = await kiln.call(admin, {
      method: 'POST',
      url: '/v2/keystore/upload',
      ...formBody({ privacy: 'private', description: 'too big' }, { name: 'huge.bin', data: Buffer.alloc(size) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error_msg).toContain('1048576');
  }, 60_000);
});
