import type { FastifyRequest } from 'fastify';
import { AKSK_ALGORITHM } from '../../contract/aksk-signing.ts';
import type { Principal } from '../../domain/identity.ts';
import type { Engine } from '../../engine/engine.ts';
import { akskClaimOf, akskHeadOf, readUnparsedBody, signedWithoutBody } from './aksk.ts';

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

/**
 * The caller, as far as it can be known before the body is read, so that a body is read (or
 * refused as too large) only for a caller Kiln knows: a token is checked whole, an AK/SK request
 * whole when its signature does not cover the body (an upload), else only its key and date:
 * undefined then, and `authenticateRequest` checks the signature once the body is in.
 */
export async function authenticateBeforeBody(
  engine: Engine,
  request: FastifyRequest,
  projectScope: boolean,
): Promise<Principal | undefined> {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith(`${AKSK_ALGORITHM} `)) {
    if (signedWithoutBody(request)) return authenticateRequest(engine, request, projectScope);
    const { parsed, signedAt } = akskHeadOf(request);
    await engine.accessKeys.usableKey(parsed.ak, signedAt);
    return undefined;
  }
  return authenticateRequest(engine, request, projectScope);
}
