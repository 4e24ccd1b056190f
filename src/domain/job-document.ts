import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ID32_PATTERN } from './id32.ts';
import { MAX_STEPS } from './step-spec.ts';

/**
 * The job document, declared once: the CodeArts create body (reference §3.1) plus Kiln's `kiln`
 * options. The contract uses these schemas for the HTTP bodies, the engine uses the derived types,
 * and a stored document is read back through `parseJobDocument`, so what the API accepts, what is
 * stored and what the engine works with cannot drift apart. Semantic checks (known step modules,
 * cron syntax, parameter names) are in job-config.ts.
 */

const Str = (maxLength = 4096, description?: string) =>
  Type.String({ maxLength, ...(description && { description }) });

/** A name/value pair (trigger parameters). */
export const ParamItem = Type.Object({ name: Str(256), value: Str(65536) });
export type ParamItem = Static<typeof ParamItem>;

/** A build parameter definition in CodeArts' name/value list form. */
export const JobParameter = Type.Object({
  name: Type.Optional(Str(256, 'Definition class, e.g. hudson.model.StringParameterDefinition')),
  params: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.Optional(Str(256)),
        value: Type.Optional(Type.Union([Str(65536), Type.Null()])),
        limits: Type.Optional(
          Type.Union([
            Type.Array(
              Type.Object({
                disable: Type.Optional(Str(16)),
                display_name: Type.Optional(Str(256)),
                name: Type.Optional(Str(256)),
              }),
              { maxItems: 200 },
            ),
            Type.Null(),
          ]),
        ),
      }),
      { maxItems: 50 },
    ),
  ),
});
export type JobParameterDoc = Static<typeof JobParameter>;

/** A repository to check out. */
export const JobScm = Type.Object({
  url: Str(2048, 'Anything git can fetch: https, ssh, file:// or a local path'),
  scm_type: Str(32, 'codehub, repo, github, gitlab, gitee, gitea or git'),
  branch: Type.Optional(Str(255)),
  repo_id: Type.Optional(Str(256)),
  web_url: Type.Optional(Str(2048)),
  is_auto_build: Type.Optional(Type.Boolean()),
  enable_git_lfs: Type.Optional(Type.Boolean()),
  build_type: Type.Optional(Str(32)),
  depth: Type.Optional(Str(16)),
  end_point_id: Type.Optional(Type.Union([Str(256), Type.Null()])),
  source: Type.Optional(Type.Union([Str(256), Type.Null()])),
  group_name: Type.Optional(Str(256)),
  repo_name: Type.Optional(Str(256)),
});
export type JobScmDoc = Static<typeof JobScm>;

/** A build step; Kiln runs `kiln.shell` steps (property `command`). */
export const JobStep = Type.Object({
  module_id: Str(256, 'Step module; kiln.shell runs properties.command with bash -e'),
  name: Str(256),
  properties: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  version: Type.Optional(Str(64)),
  enable: Type.Optional(Type.Boolean()),
});
export type JobStepDoc = Static<typeof JobStep>;

/**
 * A trigger: `timer` (parameter `cron`), CodeArts' `hudson.triggers.TimerTrigger` (`spec`,
 * `timeZoneId`, ...) or `code_update` (`branches`).
 */
export const JobTrigger = Type.Object({
  name: Str(64),
  parameters: Type.Array(ParamItem, { maxItems: 20 }),
});
export type JobTriggerDoc = Static<typeof JobTrigger>;

/** The fields of the document, in the order they are stored and shown. */
export const jobDocumentFields = {
  arch: Str(64, 'Executor architecture, e.g. x86-64'),
  project_id: Type.String({ pattern: ID32_PATTERN, description: 'CodeArts project id' }),
  job_name: Str(256),
  auto_update_sub_module: Type.Optional(Str(16)),
  flavor: Type.Optional(Str(64)),
  parameters: Type.Optional(Type.Array(JobParameter, { maxItems: 100 })),
  group_id: Type.Optional(
    Str(64, "The group (folder) the job is in: a group of the project's tree (ListGroupTree); '' for none"),
  ),
  timeout: Type.Optional(Type.Object({ limit: Type.Optional(Str(16)), unit: Type.Optional(Str(16)) })),
  scms: Type.Optional(Type.Array(JobScm, { maxItems: 10 })),
  steps: Type.Array(JobStep, { maxItems: MAX_STEPS }),
  host_type: Type.Optional(Str(64)),
  build_config_type: Type.Optional(Str(64)),
  build_if_code_updated: Type.Optional(Type.Boolean()),
  triggers: Type.Optional(Type.Array(JobTrigger, { maxItems: 20 })),
  kiln: Type.Optional(
    Type.Object(
      {
        keep_workspace: Type.Optional(Type.Boolean({ description: 'Keep the last workspace for debugging' })),
        artifacts_keep_builds: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 100000,
            description:
              'Keep the artifacts of the newest N builds that kept any (and always the last successful one)',
          }),
        ),
        artifacts_keep_days: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 36500,
            description:
              'Keep artifacts of builds that finished within D days (and always the last successful one)',
          }),
        ),
        builds_keep_days: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 36500,
            description:
              'Delete builds (with their logs and artifacts) that started more than D days ago, except the newest builds_keep_last and the last successful one',
          }),
        ),
        builds_keep_last: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 1000000,
            description:
              'Keep at least the newest N builds; alone, keep only those (and the last successful one)',
          }),
        ),
      },
      { description: "Kiln's own options (not in CodeArts)" },
    ),
  ),
};

/** The job document (CodeArts `CreateBuildJobRequestBody`, plus Kiln's `kiln` options). */
export const JobDocument = Type.Object(jobDocumentFields);
/** The job document as the engine works with it. */
export type JobConfig = Static<typeof JobDocument>;

const FIELDS = Object.keys(jobDocumentFields);

/** The architecture stored for a job whose body names none. */
export const DEFAULT_ARCH = 'x86-64';

/**
 * What a create, update or copy body may send: the document, with two leniencies people reach
 * for when they write a job by hand. `arch` may be left out (runners are chosen by a build.yml's
 * `env.resource`, not by it; x86-64 is stored, as CodeArts' console sends), and `timeout.limit`
 * may be a number (stored as the string CodeArts' type says). What is stored and answered is the
 * document itself (`fromInput`).
 */
export const jobInputFields = {
  ...jobDocumentFields,
  arch: Type.Optional(Str(64, `Executor architecture, e.g. x86-64 (default ${DEFAULT_ARCH})`)),
  timeout: Type.Optional(
    Type.Object({
      limit: Type.Optional(
        // Any number: one that is not a positive whole number is refused as such by checkJobConfig.
        Type.Union([Str(16), Type.Number({ description: 'A positive whole number' })], {
          description: 'How long builds may run, in `unit`s: a string of digits, or a number',
        }),
      ),
      unit: Type.Optional(Str(16)),
    }),
  ),
};
/** A create body. */
export const JobDocumentInput = Type.Object(jobInputFields);
export type JobInput = Static<typeof JobDocumentInput>;

/** The document a body means: `arch` filled in, a numeric `timeout.limit` as its string, fields in order. */
export function fromInput<T extends JobInput>(input: T): JobConfig & Omit<T, keyof JobInput> {
  const { arch = DEFAULT_ARCH, timeout, ...rest } = input;
  const limit = timeout?.limit;
  const doc: Record<string, unknown> = {
    ...rest,
    arch,
    ...(timeout && { timeout: { ...timeout, ...(limit !== undefined && { limit: String(limit) }) } }),
  };
  // Known fields in the document's order, then whatever else the body carries (job_id, copy_job_id).
  const ordered: Record<string, unknown> = {};
  for (const key of FIELDS) if (doc[key] !== undefined) ordered[key] = doc[key];
  for (const key of Object.keys(doc)) if (!(key in ordered)) ordered[key] = doc[key];
  return ordered as JobConfig & Omit<T, keyof JobInput>;
}

/**
 * The one way in for a job document that did not come through the API's validation (a stored row)
 * or that may carry fields Kiln does not know: only the known top-level fields are kept, in a
 * stable order (what is stored and shown), and the result is checked against the schema the API
 * accepts. Throws, naming the first problem, on anything else (a row Kiln did not write).
 */
export function parseJobDocument(value: unknown): JobConfig {
  const doc = typeof value === 'object' && value !== null ? pickFields(value) : value;
  if (!Value.Check(JobDocument, doc)) {
    const [first] = Value.Errors(JobDocument, doc);
    const where = first?.instancePath || '/';
    throw new Error(`job document is not valid at ${where}: ${first?.message ?? 'not an object'}`);
  }
  return doc;
}

function pickFields(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of FIELDS) {
    const field: unknown = Reflect.get(value, key);
    if (field !== undefined) out[key] = field;
  }
  return out;
}
