import type { TokenRequest } from '../../contract/iam.ts';
import type { IamProject } from '../../domain/identity.ts';
import { AppError } from '../../domain/errors.ts';
import { flag } from '../../domain/query-values.ts';
import type { SignInRequest } from '../../engine/auth-service.ts';
import { toTokenBody } from '../mappers/token.mapper.ts';
import type { FastifyRequest } from 'fastify';
import type { HandlerGroup, RouteDeps } from './deps.ts';

/** A `{id?, name?}` that names nothing would sign in as nobody, or scope to nothing: 400 naming it. */
function requireIdOrName(ref: { id?: string; name?: string } | undefined, field: string): void {
  if (ref && ref.id === undefined && ref.name === undefined)
    throw new AppError('INVALID_BODY', `${field} needs its id or its name`);
}

/**
 * What the schema cannot say of a sign-in body (reference §6.1): the password method, a user and a
 * scope that name something, one scope at most. Checked before any password is, so a malformed
 * body is told what is wrong and costs no guess.
 */
function checkSignInBody(body: TokenRequest): void {
  const { identity, scope } = body.auth;
  if (!identity.methods.includes('password'))
    throw new AppError(
      'INVALID_BODY',
      'auth.identity.methods must include "password" (the only method served)',
    );
  requireIdOrName(identity.password.user, 'auth.identity.password.user');
  if (scope?.project && scope.domain)
    throw new AppError('INVALID_BODY', 'auth.scope holds a project or a domain, not both');
  requireIdOrName(scope?.project, 'auth.scope.project');
  requireIdOrName(scope?.domain, 'auth.scope.domain');
}

function signInRequest(body: TokenRequest, address: string): SignInRequest {
  checkSignInBody(body);
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
): HandlerGroup<
  | 'keystoneCreateUserTokenByPassword'
  | 'keystoneValidateToken'
  | 'keystoneRevokeToken'
  | 'keystoneListProjects'
  | 'keystoneListAuthProjects'
  | 'keystoneListAuthDomains'
> {
  const { auth, directory } = deps.engine;
  const base = (request: FastifyRequest) => catalogUrl(deps, request, undefined) ?? '';
  const projectList = (
    request: FastifyRequest,
    path: string,
    projects: IamProject[],
    page = 1,
    perPage = 5000,
  ) => {
    const slice = projects.slice((page - 1) * perPage, page * perPage);
    const more = page * perPage < projects.length;
    // The other pages keep the filters this one was asked with.
    const at = (n: number) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      query.set('page', String(n));
      query.set('per_page', String(perPage));
      return `${base(request)}${path}?${query.toString()}`;
    };
    return {
      projects: slice.map((p) => ({
        id: p.id,
        name: p.name,
        domain_id: p.domainId,
        parent_id: p.domainId,
        description: '',
        enabled: true,
        is_domain: false,
        links: { self: `${base(request)}/v3/projects/${p.id}` },
      })),
      links: {
        self: `${base(request)}${request.url}`,
        previous: page > 1 ? at(page - 1) : null,
        next: more ? at(page + 1) : null,
      },
    };
  };
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
    async keystoneListProjects({ caller, query, request }) {
      const projects = await directory.iamProjects(caller, {
        ...(query.name !== undefined && { name: query.name }),
        ...(query.domain_id !== undefined && { domainId: query.domain_id }),
        ...(query.parent_id !== undefined && { parentId: query.parent_id }),
        ...(query.enabled !== undefined && { enabled: flag('enabled', query.enabled) }),
        ...(query.is_domain !== undefined && { isDomain: flag('is_domain', query.is_domain) }),
      });
      return projectList(request, '/v3/projects', projects, query.page, query.per_page);
    },
    async keystoneListAuthProjects({ caller, request }) {
      return projectList(request, '/v3/auth/projects', await directory.iamProjects(caller));
    },
    async keystoneListAuthDomains({ caller, request }) {
      const domain = await directory.ownDomain(caller);
      return {
        domains: [
          {
            id: domain.id,
            name: domain.name,
            description: '',
            enabled: true,
            links: { self: `${base(request)}/v3/domains/${domain.id}` },
          },
        ],
        links: { self: `${base(request)}${request.url}`, previous: null, next: null },
      };
    },
  };
}
