import { createHash } from 'node:crypto';
import type { SealedSample, Storage } from '../storage/ports.ts';
import type { SecretBox } from './secret-box.ts';

/** The `server_settings` key of the check value. */
export const SECRET_KEY_CHECK = 'secret_key_check';
/** What the check value holds, sealed. */
const CHECK_TEXT = 'kiln-secret-key-check';

/**
 * Whether `box` (this server's KILN_SECRET_KEY) is the key that sealed the database's secrets.
 * The first start stores a fixed text sealed with its key (insert-if-absent: servers starting
 * together agree on one); every start opens it. A database from before the check (none stored)
 * gets one only when the secret it stored last opens with this key, so that a check never blesses
 * a wrong key (the last one, since after an earlier change of key older ones may still be sealed
 * with the key given up).
 */
export async function secretKeyMatches(storage: Storage, box: SecretBox, now: number): Promise<boolean> {
  let check = await storage.serverSettings.get(SECRET_KEY_CHECK);
  if (check === undefined) {
    const sample = await storage.serverSettings.sealedSample();
    if (sample && !opens(box, sample)) return false;
    check = await storage.serverSettings.putIfAbsent(SECRET_KEY_CHECK, box.seal(CHECK_TEXT), now);
  }
  return opens(box, { text: check }) && box.open(check) === CHECK_TEXT;
}

/** What a start does about its key (checkSecretKey). */
export type KeyCheck =
  { outcome: 'matches' | 'replaced' | 'left set' } | { outcome: 'refused'; fingerprint: string };

/**
 * What a start does about its key: it `matches`; or it is `refused`, with the fingerprint of what
 * it was checked against (the stored check, or the secret a database from before the check stored
 * last); or it is `replaced`: the key was lost, and this start was given that fingerprint
 * (KILN_SECRET_KEY_REPLACED) to make its own key the database's. A fingerprint, not a plain "on":
 * once the check is sealed anew the same setting no longer fits it, so a later start with a wrong
 * key (a typo, another cluster's) is refused, not taken. `left set`: the key matches and the
 * setting is still there (the start warns).
 */
export async function checkSecretKey(
  storage: Storage,
  box: SecretBox,
  now: number,
  replacing: string | undefined,
): Promise<KeyCheck> {
  if (await secretKeyMatches(storage, box, now))
    return { outcome: replacing === undefined ? 'matches' : 'left set' };
  const stored = await storage.serverSettings.get(SECRET_KEY_CHECK);
  const against = stored === undefined ? await storage.serverSettings.sealedSample() : { text: stored };
  const fingerprint = fingerprintOf(against);
  if (replacing !== fingerprint) return { outcome: 'refused', fingerprint };
  await replaceSecretKeyCheck(storage, box, now);
  return { outcome: 'replaced' };
}

/** A short name of a sealed value (of its ciphertext: it tells nothing of the key or the secret). */
function fingerprintOf(sealed: SealedSample | undefined): string {
  const bytes = sealed === undefined ? '' : 'text' in sealed ? sealed.text : sealed.bytes;
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function opens(box: SecretBox, sealed: { text: string } | { bytes: Uint8Array }): boolean {
  try {
    if ('text' in sealed) box.open(sealed.text);
    else box.openBinary(sealed.bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `box`'s key the database's key from now on (KILN_SECRET_KEY_REPLACED, after the key that
 * sealed it was lost): the check is sealed anew with it. Secrets sealed with the lost key stay
 * unreadable until they are given again.
 */
export async function replaceSecretKeyCheck(storage: Storage, box: SecretBox, now: number): Promise<void> {
  await storage.serverSettings.put(SECRET_KEY_CHECK, box.seal(CHECK_TEXT), now);
}
