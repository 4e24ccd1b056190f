import { randomBytes, randomUUID } from 'node:crypto';
import { ID32_PATTERN } from './id32.ts';

const ID32 = new RegExp(ID32_PATTERN);

/** A new 32-char lowercase hex id, the shape CodeArts uses for jobs, projects, users and domains. */
export function newId32(): string {
  return randomBytes(16).toString('hex');
}

/** True when `value` is exactly 32 chars of `[0-9a-z]` (the CodeArts id pattern). */
export function isId32(value: string): boolean {
  return ID32.test(value);
}

/** A new record id (a UUID, as CodeArts record ids are). */
export function newRecordId(): string {
  return randomUUID();
}

/** A random secret of `bytes` bytes, base64url-encoded (tokens, webhook secrets, access keys). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
