import { Type, type Static } from 'typebox';
import { Id32, JobId } from './common.ts';

const Flags = {
  is_modify: Type.Boolean({ description: "Change the job's configuration" }),
  is_delete: Type.Boolean({ description: 'Delete the job (to the recycle bin)' }),
  is_view: Type.Boolean({ description: 'See the job and its builds' }),
  is_execute: Type.Boolean({ description: 'Run and stop builds' }),
  is_copy: Type.Boolean({ description: 'Copy the job' }),
  is_forbidden: Type.Boolean({ description: 'Disable and enable the job' }),
  is_manager: Type.Boolean({ description: "Change the job's permissions" }),
};
const Time = Type.String({ description: 'yyyy-MM-ddTHH:mm:ss+hh:mm in the server time zone' });
const ROLE_IDS = "-1 owner (project_admin), 4 developer, 7 viewer, -3 the job's creator";

/** ShowProjectJobPermission query. */
export const JobPermissionQuery = Type.Object({
  project_id: Id32("The job's project"),
  job_id: JobId('The job'),
});

/** ShowProjectJobPermission answer: what the caller may do with the job. */
export const CallerPermission = Type.Object({
  result: Type.Object({
    role_id: Type.Integer({ description: `The caller's role: ${ROLE_IDS}` }),
    job_id: Type.String(),
    ...Flags,
    create_time: Time,
    last_update_time: Time,
    count: Type.Integer({ description: "Members of the project with the caller's role" }),
  }),
  status: Type.String(),
});

/** ShowJobRolePermission query. */
export const JobIdQuery = Type.Object({ job_id: JobId('The job') });

/** ShowJobRolePermission answer: the matrix the job follows, a row per role. */
export const RolePermissions = Type.Object({
  result: Type.Array(
    Type.Object({
      id: Type.Integer({ description: 'The row: 1 to 4' }),
      role_id: Type.Integer({ description: ROLE_IDS }),
      role_name: Type.String(),
      job_id: Type.String(),
      ...Flags,
      create_time: Time,
      last_update_time: Time,
      count: Type.Integer({ description: 'Members with the role (the creator row: 1)' }),
    }),
  ),
  status: Type.String(),
});

/** ShowDefaultProjectPermission answer: the project's matrix. */
export const DefaultPermissions = Type.Object({
  result: Type.Array(Type.Object({ role_id: Type.Integer(), role_name: Type.String(), ...Flags })),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});

const OptionalFlags = Object.fromEntries(Object.entries(Flags).map(([k, v]) => [k, Type.Optional(v)])) as {
  [K in keyof typeof Flags]: ReturnType<typeof Type.Optional<(typeof Flags)[K]>>;
};

/** BatchUpdateJobRolePermission body. */
export const RolePermissionsBody = Type.Object({
  project_id: Type.Optional(Id32("Kiln: the jobs' project, when given")),
  job_ids: Type.Array(JobId('A job'), { minItems: 1, maxItems: 100 }),
  project_switch: Type.Optional(
    Type.Boolean({
      description: "true: the jobs follow the project's permissions; false or absent: their own",
    }),
  ),
  permissions: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.Optional(Type.Integer({ description: 'Kiln: ignored' })),
        role_id: Type.Integer({
          minimum: -2_147_483_648,
          maximum: 2_147_483_647,
          description: `${ROLE_IDS} (int32; a CodeArts role Kiln does not have changes nothing)`,
        }),
        devuc_role_id: Type.Optional(Type.String({ maxLength: 64, description: 'Kiln: ignored' })),
        role_name: Type.Optional(Type.String({ maxLength: 128, description: 'Kiln: ignored' })),
        ...OptionalFlags,
        count: Type.Optional(Type.Integer({ description: 'Kiln: ignored' })),
      }),
      { maxItems: 20 },
    ),
  ),
});
export type RolePermissionsBody = Static<typeof RolePermissionsBody>;

/** ApplyProjectPermission body. */
export const ProjectSwitchBody = Type.Object({
  job_id: JobId('The job'),
  project_id: Type.Optional(Id32("Kiln: the job's project, when given")),
  project_switch: Type.Boolean({
    description: "true: the job follows the project's permissions; false: its own",
  }),
});

/** BatchUpdateJobRolePermission / ApplyProjectPermission answer. */
export const PermissionsChanged = Type.Object({
  status: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  result: Type.Null(),
});

/** CheckJobInternal answer. */
export const InternalAccess = Type.Object({
  result: Type.Boolean({ description: 'Kiln: false (it has no secure intranet access mode)' }),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});
