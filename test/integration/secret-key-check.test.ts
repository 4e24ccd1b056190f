import { afterEach, expect, it } from 'vitest';
import { SecretBox } from '../../src/engine/secret-box.ts';
import {
  replaceSecretKeyCheck,
  SECRET_KEY_CHECK,
  secretKeyMatches,
} from '../../src/engine/secret-key-check.ts';
import { createTestKiln, TEST_SECRET_KEY, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, onEveryStore, tokenOf } from '../helpers/foundation.ts';

/**
 * A server started with another KILN_SECRET_KEY than the one that sealed the stored secrets is
 * refused at start (serve.ts) on what secretKeyMatches says: a check value sealed by the first
 * start, insert-if-absent, opened at every start.
 */
const OTHER_KEY = 'a-different-secret-key-0123';

onEveryStore((store) => {
  let kiln: TestKiln | undefined;
  afterEach(async () => {
    await kiln?.close();
    kiln = undefined;
  });
  const matches = (k: TestKiln, key: string) =>
    secretKeyMatches(k.storage, new SecretBox(key), k.clock.now());

  it('lets servers starting together with different keys agree on one check', async () => {
    kiln = await createTestKiln({ store });
    const first = await Promise.all([matches(kiln, TEST_SECRET_KEY), matches(kiln, OTHER_KEY)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const accepted = first[0] ? TEST_SECRET_KEY : OTHER_KEY;
    const refused = first[0] ? OTHER_KEY : TEST_SECRET_KEY;
    expect(await matches(kiln, accepted)).toBe(true);
    expect(await matches(kiln, refused)).toBe(false);
  });

  it('stores a check only with a key the stored secrets open, and refuses another key after', async () => {
    kiln = await createTestKiln({ store });
    // A database from before the check, holding a secret (the job's webhook secret).
    await createJob(kiln, await tokenOf(kiln, ADMIN), await kiln.defaultProjectId(), { job_name: 'sealed' });
    expect(await matches(kiln, OTHER_KEY)).toBe(false);
    expect(await kiln.storage.serverSettings.get(SECRET_KEY_CHECK)).toBeUndefined();
    expect(await matches(kiln, TEST_SECRET_KEY)).toBe(true);
    const check = await kiln.storage.serverSettings.get(SECRET_KEY_CHECK);
    expect(check).toMatch(/^v1\./);
    expect(await matches(kiln, OTHER_KEY)).toBe(false);
    expect(await matches(kiln, TEST_SECRET_KEY)).toBe(true);
    expect(await kiln.storage.serverSettings.get(SECRET_KEY_CHECK)).toBe(check);
    // KILN_SECRET_KEY_REPLACED: the other key becomes the database's.
    await replaceSecretKeyCheck(kiln.storage, new SecretBox(OTHER_KEY), kiln.clock.now());
    expect(await matches(kiln, OTHER_KEY)).toBe(true);
    expect(await matches(kiln, TEST_SECRET_KEY)).toBe(false);
  });
});
