import type { Storage } from '../storage/ports.ts';
import type { SecretBox } from './secret-box.ts';

/** The `server_settings` key of the check value. */
export const SECRET_KEY_CHECK = 'secret_key_check';
/** What the check value holds, sealed. */
const CHECK_TEXT = 'kiln-secret-key-check';

/**
 * Whether `box` (this server's KILN_SECRET_KEY) is the key that sealed the database's secrets.
 * The first start stores a fixed text sealed with its key (insert-if-absent: servers starting
 * together agree on one); every start opens it. A database from before the check (none stored)
 * gets one only when the secrets it already holds open with this key, so that a check never
 * blesses a wrong key.
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
