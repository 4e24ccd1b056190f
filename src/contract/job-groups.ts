import { Type, type Static, type TObject, type TSchema } from 'typebox';
import { MAX_GROUP_DEPTH } from '../domain/job-groups.ts';
import { Envelope, Id32, JobId } from './common.ts';

const Str = (description: string) => Type.Optional(Type.String({ maxLength: 64, description }));

/** CreateJobGroup / UpdateJobGroup body (JobGroupRequestBody). */
export const JobGroupBody = Type.Object({
  id: Str('UpdateJobGroup: the group to change'),
  name: Type.Optional(Type.String({ maxLength: 128, description: 'The group name (1 to 128 characters)' })),
  project_id: Str("Kiln: ignored (the path's project), or the same"),
  parent_id: Str("The parent group; '' or absent: top level (UpdateJobGroup: absent keeps it)"),
  group_id: Str('UpdateJobGroup: the group to change, when `id` is absent; CreateJobGroup: ignored'),
});
export type JobGroupBody = Static<typeof JobGroupBody>;

const GroupFields = {
  id: Type.String(),
  domain_id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  parent_id: Type.Union([Type.String(), Type.Null()], { description: 'null for a top-level group' }),
  path_id: Type.String({ description: "Its ancestors' ids and its own, dot-separated" }),
  create_user: Type.String({ description: "The creator's user name" }),
  update_user: Type.Union([Type.String(), Type.Null()], { description: 'null until it is changed' }),
  create_time: Type.String({ description: 'yyyy-MM-ddTHH:mm:ss+hhmm in the server time zone' }),
  update_time: Type.Union([Type.String(), Type.Null()]),
};

/** A group as CreateJobGroup and UpdateJobGroup answer it (the SDK types `ordinal` as a string). */
export const JobGroupResult = Type.Object({
  ...GroupFields,
  group_id: Type.String({ description: 'Kiln: the group id again' }),
  ordinal: Type.String({ description: 'Its place among its siblings: a smaller one comes first' }),
});
export type JobGroupResult = Static<typeof JobGroupResult>;

/** CreateJobGroup / UpdateJobGroup answer: the group, in a list of one. */
export const JobGroupResults = Envelope(Type.Array(JobGroupResult));

/** A node of ListGroupTree (JobGroupTreeResponseBody). */
export interface JobGroupNode extends Static<TObject<typeof GroupFields>> {
  ordinal: number;
  children: JobGroupNode[];
}

/**
 * The node schema, unrolled to the deepest a tree goes (MAX_GROUP_DEPTH): a recursive schema is a
 * `$ref` that the response serialiser and the OpenAPI document would each have to resolve.
 */
function nodeSchema(levelsBelow: number): TSchema {
  return Type.Object({
    ...GroupFields,
    ordinal: Type.Integer({ description: 'Its place among its siblings: a smaller one comes first' }),
    children:
      levelsBelow === 0 ? Type.Array(Type.Never(), { maxItems: 0 }) : Type.Array(nodeSchema(levelsBelow - 1)),
  });
}
export const JobGroupNode = nodeSchema(MAX_GROUP_DEPTH - 1);

/** ListGroupTree answer: the top-level groups, each with its subtree, siblings in order. */
export const JobGroupTree = Envelope(Type.Array(JobGroupNode)) as TObject;

/** DeleteGroup query. */
export const GroupIdQuery = Type.Object({ id: Id32('The group to delete') });

/** SwitchedPacket query. */
export const SwapGroupsQuery = Type.Object({
  source_group_id: Id32('One group'),
  target_group_id: Id32('Another group with the same parent'),
});

/** MoveGroup body. */
export const MoveJobsBody = Type.Object({
  group_id: Str("The group to move the jobs into; '' or absent: into none"),
  jobs: Type.Array(
    Type.Object({
      job_id: JobId('A job of the project'),
      job_name: Type.Optional(Type.String({ maxLength: 256, description: 'Kiln: ignored' })),
    }),
    { minItems: 1, maxItems: 100 },
  ),
});
export type MoveJobsBody = Static<typeof MoveJobsBody>;

/** MoveGroup answer: each job and its group's path ('' in none). */
export const MovedJobs = Envelope(
  Type.Array(Type.Object({ job_id: Type.String(), group_path_id: Type.String() })),
);

/** DeleteGroup / SwitchedPacket answer. */
export const GroupDone = Type.Object({
  status: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  result: Type.Null(),
});
