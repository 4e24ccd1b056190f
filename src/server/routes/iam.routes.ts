import type { TokenRequest } from '../../contract/iam.ts';
import type { SignInRequest } from '../../engine/auth-service.ts';
import { toTokenBody } from '../mappers/token.mapper.ts';
import type { FastifyRequest } from 'fastify';
import type { HandlerGroup, RouteDeps } from './deps.ts';

function signInRequest(body: TokenRequest, address: string): SignInRequest {
  const user = body.auth.identity.password.user;
  const scope = body.auth.scope;
  return {
    ...(user.id !== undefined && { userId: user.id }),
    ...(user.name !== undefined && { userName: user.name }),
    ...(user.domain?.id !== undefined && { domainId: user.domain.id }),
    ...(user.domain?.name !== undefined && { domainName: user.domain.name }),
    password: user.password,
    address,
    ...(scope?.project
      ? { scope: { kind: 'project' as const, ...scope.project } }
      : scope?.domain
        ? { scope: { kind: 'domain' as const, ...scope.domain } }
        : {}),
  };
}

function catalogUrl(
  deps: RouteDeps,
  request: FastifyRequest,
  query: { nocatalog?: string } | undefined,
): string | undefined {
  if (query?.nocatalog) return undefined;
  return deps.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** IAM (Keystone v3) token operations. */
export function iamHandlers(
  deps: RouteDeps,
): HandlerGroup<'keystoneCreateUserTokenByPassword' | 'keystoneValidateToken' | 'keystoneRevokeToken'> {
  const { auth } = deps.engine;
  return {
    async keystoneCreateUserTokenByPassword({ body, query, request, reply }) {
      const issued = await auth.signIn(signInRequest(body, request.ip));
      reply.header('x-subject-token', issued.token);
      return toTokenBody(issued, catalogUrl(deps, request, query));
    },
    async keystoneValidateToken({ caller, headers, query, request, reply }) {
      const subject = headers['x-subject-token'];
      const view = await auth.validate(caller, subject);
      reply.header('x-subject-token', subject);
      return toTokenBody(view, catalogUrl(deps, request, query));
    },
    async keystoneRevokeToken({ caller, headers }) {
      await auth.revoke(caller, headers['x-subject-token']);
    },
  };
}
