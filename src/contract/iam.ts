import { Type, type Static } from 'typebox';

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
