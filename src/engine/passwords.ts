import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes with scrypt (node:crypto, no native add-on). The stored form carries its own
 * parameters, `scrypt$N$r$p$salt$hash`, so the cost can be raised later without breaking old hashes.
 */

const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128 * N * r bytes; twice that leaves node:crypto's own margin.
    const maxmem = 2 * 128 * (options.N ?? 0) * (options.r ?? 8);
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * Cost of new hashes: log2 of scrypt's N. 17 with r=8, p=1 is OWASP's minimum for scrypt: 128 MiB
 * of memory and a few hundred ms per hash, which is why sign-ins hash a few at a time
 * (password-work.ts). Hashes of another cost are replaced at the next successful sign-in.
 * `KILN_PASSWORD_COST` sets it per server, from 10 (for test servers) to 18 (256 MiB a hash).
 */
export const DEFAULT_PASSWORD_COST = 17;
export const MIN_PASSWORD_COST = 10;
export const MAX_PASSWORD_COST = 18;

/** Hashes a password with a fresh salt. */
export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** cost;
  const key = await derive(password, salt, { N, r: 8, p: 1 });
  return `scrypt$${N}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `stored` was made with other parameters than a new hash of `cost` would be (so should be replaced). */
export function needsRehash(stored: string, cost = DEFAULT_PASSWORD_COST): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) !== 2 ** cost || r !== '8' || p !== '1';
}

/** Checks a password against a stored hash in constant time; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const dummies = new Map<number, Promise<string>>();

/**
 * Spends the same time as a real check when the user does not exist, so response times do not
 * tell which user names exist.
 */
export async function verifyAgainstNothing(password: string, cost = DEFAULT_PASSWORD_COST): Promise<false> {
  let dummy = dummies.get(cost);
  if (!dummy) dummies.set(cost, (dummy = hashPassword('kiln-no-such-user', cost)));
  await verifyPassword(password, await dummy);
  return false;
}
