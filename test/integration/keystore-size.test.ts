import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, formBody, tokenOf } from '../helpers/foundation.ts';

/**
 * docs/files.md: "KILN_FILE_MAX_BYTES caps a file (default 1 MiB, at most 64 MiB): a larger upload
 * is a 413 saying both sizes". A form larger than the cap and the form's room is not read at all
 * (it answered Fastify's bare "the request body is too large", and read up to 64 MiB whatever the
 * cap): its 413 names the cap and the size sent too.
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
      ...formBody(
        { privacy: 'private', description: 'too big' },
        { name: 'huge.bin', data: Buffer.alloc(size) },
      ),
    });
    expect(res.statusCode).toBe(413);
    // The form is the file and some 300 bytes around it.
    const message = res.json().error_msg as string;
    expect(message).toMatch(/^a file may have at most 1048576 bytes; the form sent has \d+ bytes$/);
    const sent = Number(/has (\d+) bytes$/.exec(message)?.[1]);
    expect(sent - size).toBeGreaterThan(0);
    expect(sent - size).toBeLessThan(1000);
  }, 60_000);

  it('a file a little over the cap is refused naming its own size, one far over it by the form', async () => {
    const over = await kiln.call(admin, {
      method: 'POST',
      url: '/v2/keystore/upload',
      ...formBody({ privacy: 'private' }, { name: 'over.bin', data: Buffer.alloc(1024 * 1024 + 1) }),
    });
    expect(over.statusCode).toBe(413);
    expect(over.json().error_msg).toBe('a file may have at most 1048576 bytes; over.bin has 1048577');
    const far = await kiln.call(admin, {
      method: 'POST',
      url: '/v2/keystore/upload',
      ...formBody({ privacy: 'private' }, { name: 'far.bin', data: Buffer.alloc(2 * 1024 * 1024) }),
    });
    expect(far.statusCode).toBe(413);
    expect(far.json().error_msg).toMatch(
      /^a file may have at most 1048576 bytes; the form sent has \d+ bytes$/,
    );
  });
});
