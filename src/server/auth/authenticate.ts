import type { FastifyRequest } from 'fastify';
import { AKSK_ALGORITHM } from '../../contract/aksk-signing.ts';
import type { Principal } from '../../domain/identity.ts';
import type { Engine } from '../../engine/engine.ts';
import { akskClaimOf, readUnparsedBody } from './aksk.ts';

/**
 * Resolves the caller of a request: an AK/SK signature (`Authorization: SDK-HMAC-SHA256 ...`) when
 * present, else the `X-Auth-Token` header. `projectScope` refuses domain-scoped tokens.
 */
export async function authenticateRequest(
  engine: Engine,
  request: FastifyRequest,
  projectScope: boolean,
): Promise<Principal> {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith(`${AKSK_ALGORITHM} `)) {
    await readUnparsedBody(request);
    return engine.accessKeys.authenticate(akskClaimOf(request));
  }
  const token = request.headers['x-auth-token'];
  return engine.auth.authenticate(typeof token === 'string' ? token : undefined, projectScope);
}
