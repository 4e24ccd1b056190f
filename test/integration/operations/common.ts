import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { expectRequestId } from '../../helpers/foundation.ts';

/**
 * Every Identity, Projects-and-jobs and Kiln-admin operation, in process: what it answers when it
 * works (field for field, type for type, as the reference shows it) and when it does not.
 *
 * The suites of this folder cover one group of operations each; these are the helpers they share.
 */

export const DAY_MS = 24 * 3_600_000;
export const ID32 = /^[0-9a-z]{32}$/;

export function expectOk(res: LightMyRequestResponse, status = 200): void {
  expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
  expectRequestId(res);
}
