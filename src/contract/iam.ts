import { Type, type Static } from 'typebox';
import { WireInt } from './common.ts';

/** Keystone `{id?, name?}` reference. */
const NameOrId = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });

/** Body of KeystoneCreateUserTokenByPassword (reference §6.1). */
export const TokenRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1 }),
      password: Type.Object({
        user: Type.Object({
          id: Type.Optional(Type.String()),
          name: Type.Optional(Type.String()),
          password: Type.String(),
          domain: Type.Optional(NameOrId),
        }),
      }),
    }),
    scope: Type.Optional(
      Type.Object({
        project: Type.Optional(NameOrId),
        domain: Type.Optional(NameOrId),
      }),
    ),
  }),
});
export type TokenRequest = Static<typeof TokenRequest>;

const IdName = Type.Object({ id: Type.String(), name: Type.String() });

/** The `token` object IAM returns (catalog omitted with ?nocatalog=true). */
export const TokenBody = Type.Object({
  token: Type.Object({
    catalog: Type.Optional(
      Type.Array(
        Type.Object({
          endpoints: Type.Array(
            Type.Object({
              id: Type.String(),
              interface: Type.String(),
              region: Type.String(),
              region_id: Type.String(),
              url: Type.String(),
            }),
          ),
          id: Type.String(),
          name: Type.String(),
          type: Type.String(),
        }),
      ),
    ),
    domain: Type.Optional(IdName),
    expires_at: Type.String(),
    issued_at: Type.String(),
    methods: Type.Array(Type.String()),
    project: Type.Optional(Type.Object({ domain: IdName, id: Type.String(), name: Type.String() })),
    roles: Type.Array(IdName),
    user: Type.Object({
      domain: IdName,
      id: Type.String(),
      name: Type.String(),
      password_expires_at: Type.String(),
    }),
  }),
});
export type TokenBody = Static<typeof TokenBody>;

/** Query of the token issue operation. */
export const TokenQuery = Type.Object({ nocatalog: Type.Optional(Type.String()) });

/** Headers of validate/revoke: the caller's token and the token looked at. */
export const SubjectTokenHeaders = Type.Object({
  'x-subject-token': Type.String({ minLength: 1, description: 'The token to validate or revoke' }),
});

/** KeystoneListProjects query (Keystone v3 filters). */
export const ProjectsQuery = Type.Object({
  name: Type.Optional(
    Type.String({ maxLength: 64, description: 'Only the project with this name (a region)' }),
  ),
  domain_id: Type.Optional(Type.String({ maxLength: 64 })),
  parent_id: Type.Optional(Type.String({ maxLength: 64 })),
  enabled: Type.Optional(Type.String({ maxLength: 8, description: 'true or false' })),
  is_domain: Type.Optional(Type.String({ maxLength: 8, description: 'true or false' })),
  page: Type.Optional(WireInt({ minimum: 1, maximum: 2147483647, default: 1 })),
  per_page: Type.Optional(WireInt({ minimum: 1, maximum: 5000, default: 5000 })),
});

const SelfLink = Type.Object({ self: Type.String() });
const ListLinks = Type.Object({
  self: Type.String(),
  previous: Type.Union([Type.String(), Type.Null()]),
  next: Type.Union([Type.String(), Type.Null()]),
});

/** A Keystone project (an IAM project: a region). */
const KeystoneProject = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.String(),
  parent_id: Type.String({ description: 'The domain: IAM projects have no parent project' }),
  description: Type.String(),
  enabled: Type.Boolean(),
  is_domain: Type.Boolean(),
  links: SelfLink,
});

/** KeystoneListProjects / KeystoneListAuthProjects answer. */
export const ProjectList = Type.Object({ projects: Type.Array(KeystoneProject), links: ListLinks });

/** KeystoneListAuthDomains answer. */
export const DomainList = Type.Object({
  domains: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      description: Type.String(),
      enabled: Type.Boolean(),
      links: SelfLink,
    }),
  ),
  links: ListLinks,
});
