import { afterEach, expect, it } from 'vitest';
import { SecretBox } from '../../src/engine/secret-box.ts';
import {
  checkSecretKey,
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

  it('takes the key that sealed the secret written last, when older ones are sealed with a key given up', async () => {
    kiln = await createTestKiln({ store });
    const token = await tokenOf(kiln, ADMIN);
    const project = await kiln.defaultProjectId();
    const stale = await createJob(kiln, token, project, { job_name: 'stale' });
    const fresh = await createJob(kiln, token, project, { job_name: 'fresh' });
    // Before the check, the database's key was changed once: the job not saved since keeps a
    // secret sealed with the key given up; the one saved since has this key's.
    const now = kiln.clock.now();
    await kiln.storage.jobs.setWebhookSecret(stale, new SecretBox(OTHER_KEY).seal('old'), now - 60_000);
    await kiln.storage.jobs.setWebhookSecret(fresh, new SecretBox(TEST_SECRET_KEY).seal('new'), now);
    expect(await matches(kiln, OTHER_KEY)).toBe(false);
    expect(await matches(kiln, TEST_SECRET_KEY)).toBe(true);
  });

  it('replaces a lost key only for the fingerprint it was refused with, once; says when it is left set', async () => {
    const k = await createTestKiln({ store });
    kiln = k;
    const check = (key: string, replacing?: string) =>
      checkSecretKey(k.storage, new SecretBox(key), k.clock.now(), replacing);
    expect(await check(TEST_SECRET_KEY)).toEqual({ outcome: 'matches' });
    const refused = await check(OTHER_KEY);
    expect(refused).toEqual({ outcome: 'refused', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const fingerprint = refused.outcome === 'refused' ? refused.fingerprint : '';
    expect(await check(OTHER_KEY, '0'.repeat(16))).toEqual({ outcome: 'refused', fingerprint });
    expect(await check(OTHER_KEY, fingerprint)).toEqual({ outcome: 'replaced' });
    expect(await check(OTHER_KEY, fingerprint)).toEqual({ outcome: 'left set' });
    // Left set, the fingerprint fits the new check no more: a wrong key is refused, not taken.
    expect(await check(TEST_SECRET_KEY, fingerprint)).toMatchObject({ outcome: 'refused' });
    expect(await check(OTHER_KEY)).toEqual({ outcome: 'matches' });
  });
});
