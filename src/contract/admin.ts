import { Type, type Static } from 'typebox';
import { Envelope, Id32 } from './common.ts';

/** Kiln's own administration operations (not in CodeArts), under /v1/kiln. */

const Name = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'Login name: letters, digits, _ . @ -',
});
const Password = Type.String({ minLength: 1, maxLength: 256 });

/** A user as the admin API shows it (never the password). */
export const UserDto = Type.Object({
  id: Type.String(),
  domain_id: Type.String(),
  name: Type.String(),
  display_name: Type.String(),
  is_admin: Type.Boolean(),
  disabled: Type.Boolean(),
  created_at: Type.Integer(),
});
export type UserDto = Static<typeof UserDto>;

export const CreateUserBody = Type.Object({
  name: Name,
  password: Password,
  display_name: Type.Optional(Type.String({ maxLength: 128 })),
  is_admin: Type.Optional(Type.Boolean()),
});
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object({
  display_name: Type.Optional(Type.String({ maxLength: 128 })),
  is_admin: Type.Optional(Type.Boolean()),
  disabled: Type.Optional(Type.Boolean()),
});
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const SetPasswordBody = Type.Object({ password: Password });
export const ChangeOwnPasswordBody = Type.Object({ old_password: Password, new_password: Password });

export const UserResult = Envelope(UserDto);
export const UserListResult = Envelope(Type.Object({ users: Type.Array(UserDto) }));

/** Path naming a user by id or login name (in the caller's domain). */
export const UserRefParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 64 }) });

export const CreateDomainBody = Type.Object({
  name: Name,
  admin_name: Name,
  admin_password: Password,
});
export const DomainResult = Envelope(
  Type.Object({
    domain_id: Type.String(),
    name: Type.String(),
    admin_user_id: Type.String(),
    iam_project_id: Type.String(),
  }),
);

/** A CodeArts project as the admin API shows it. */
export const ProjectDto = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  creator_id: Type.String(),
  created_at: Type.Integer(),
});
export const CreateProjectBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
});
export const ProjectResult = Envelope(ProjectDto);

export const MemberDto = Type.Object({
  user_id: Type.String(),
  user_name: Type.String(),
  display_name: Type.String(),
  role: Type.String({ description: 'owner, developer or viewer' }),
});
export type MemberDto = Static<typeof MemberDto>;
export const MemberListResult = Envelope(Type.Object({ members: Type.Array(MemberDto) }));
export const MemberResult = Envelope(MemberDto);
export const SetMemberBody = Type.Object({ role: Type.String({ minLength: 1, maxLength: 16 }) });
export const MemberParams = Type.Object({
  project_id: Id32('CodeArts project id'),
  user: Type.String({ minLength: 1, maxLength: 64, description: 'User id or login name' }),
});

/** A remote runner as the admin API shows it (never its token). */
/** Tool name -> version, as a runner announced them ('' when the version is unknown). */
export const RunnerTools = Type.Record(Type.String(), Type.String(), {
  description: 'Tools builds find on the runner, by name (maven, jdk, node, python ...), with their versions',
});
export const RunnerDto = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.Integer(),
  last_seen_at: Type.Integer({ description: '0 when never seen' }),
  disabled: Type.Boolean(),
  host: Type.String({ description: "The runner machine's host name, as it announced it ('' before it did)" }),
  tools: RunnerTools,
  tools_reported_at: Type.Integer({ description: 'When the runner announced its tools (0: never)' }),
});
/** A server's own runner (not registered: it runs inside a `kiln serve`). */
export const ServerRunnerDto = Type.Object({
  id: Type.String({ description: 'local:<server name>' }),
  host: Type.String(),
  tools: RunnerTools,
  tools_reported_at: Type.Integer(),
});
export type RunnerDto = Static<typeof RunnerDto>;
export type ServerRunnerDto = Static<typeof ServerRunnerDto>;
export const CreateRunnerBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export const CreatedRunnerResult = Envelope(
  Type.Object({
    runner: RunnerDto,
    token: Type.String({ description: 'Shown only now; give it to `kiln runner --token`' }),
  }),
);
export const RunnerListResult = Envelope(
  Type.Object({
    runners: Type.Array(RunnerDto),
    server_runners: Type.Array(ServerRunnerDto, {
      description: "The servers' own runners, as they last announced their tools",
    }),
  }),
);
export const RunnerResult = Envelope(RunnerDto);
export const RunnerParams = Type.Object({ runner_id: Id32('Runner id') });
export const UpdateRunnerBody = Type.Object({ disabled: Type.Boolean() });

/** An access key as the API shows it (the secret only when created). */
export const AccessKeyDto = Type.Object({
  ak: Type.String(),
  user_id: Type.String(),
  description: Type.String(),
  status: Type.String({ description: 'active or disabled' }),
  created_at: Type.Integer(),
  last_used_at: Type.Integer({ description: '0 when never used' }),
});
export type AccessKeyDto = Static<typeof AccessKeyDto>;
export const CreateAccessKeyBody = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 256 })),
  user: Type.Optional(
    Type.String({ maxLength: 64, description: 'Domain admins: create it for this user (id or name)' }),
  ),
});
export const CreatedAccessKeyResult = Envelope(
  Type.Object({ key: AccessKeyDto, sk: Type.String({ description: 'The secret key, shown only now' }) }),
);
export const AccessKeyListQuery = Type.Object({
  user: Type.Optional(Type.String({ maxLength: 64, description: "Domain admins: another user's keys" })),
});
export const AccessKeyListResult = Envelope(Type.Object({ keys: Type.Array(AccessKeyDto) }));
export const AccessKeyParams = Type.Object({ ak: Type.String({ minLength: 1, maxLength: 64 }) });
export const UpdateAccessKeyBody = Type.Object({
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
});
export const AccessKeyResult = Envelope(AccessKeyDto);

/** What a client should know about the server it talks to. */
export const ServerInfoResult = Envelope(
  Type.Object({
    time_zone: Type.String({
      description: 'IANA zone in which start_time/end_time and yyyy-MM-dd dates are read (KILN_TIMEZONE)',
    }),
    store: Type.String({ description: 'sqlite or postgres' }),
  }),
);
