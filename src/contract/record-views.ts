import { Type, type Static } from 'typebox';
import { Envelope, Id32, JobId, WireInt, WireList } from './common.ts';

/**
 * The v1 views of one build record (reference Appendix A.3 and A.5): its stages, its build.yml,
 * its details by record id, the record-info twins and the paged stage log.
 */

/** `true` or `false` as a query string carries a boolean. */
const WireBoolean = (description: string) =>
  Type.String({ pattern: '^(true|false)$', 'x-kiln-format': 'true or false', description });

/** ShowBuildRecordFullStages query. */
export const FullStagesQuery = Type.Object({
  cascade: Type.Optional(WireBoolean('Accepted and ignored: Kiln stages have no sub-stages')),
});

/** One stage of ShowBuildRecordFullStages (BuildStageRecord). */
export const BuildStageRecord = Type.Object({
  id: Type.String({ description: 'The record id and the stage key' }),
  status: Type.String({ description: 'INIT, QUEUED, RUNNING, SUCCESS, FAILURE, timeout, ABORTED, SKIPPED' }),
  status_code: Type.Integer({ description: '0, 1, 2, 5, 6, 7, 8, 9 in the order of status' }),
  log_status: Type.String({ description: 'none, running or finished' }),
  log_start_offset: Type.Integer({
    description: "Kiln: the byte offset in the build log where the stage's lines start; -1 while it has none",
  }),
  log_end_offset: Type.Integer({
    description: 'Kiln: the byte offset where they end; -1 while they may still grow (or there are none)',
  }),
  create_time: Type.String(),
  schedule_time: Type.String(),
  queued_time: Type.String(),
  start_time: Type.String({ description: '"" until the stage starts' }),
  finish_time: Type.String({ description: '"" until the stage ends' }),
  duration: Type.Integer({ description: 'ms (so far while running)' }),
  build_duration: Type.Integer({ description: 'ms (so far while running)' }),
  pending_duration: Type.Integer({ description: 'ms waited in the queue (initial stage), else 0' }),
  build_record_id: Type.String(),
  execution_id: Type.String(),
  execution_stage_name: Type.String({ description: 'The stage key: initial, stageN, final' }),
  display_name: Type.String({ description: 'The step name; Initialize and Finalize for the others' }),
  node_id: Type.Integer(),
  sequence: Type.Integer(),
});

/** ShowBuildRecordFullStages answer. */
export const FullStages = Type.Object({
  status: Type.String(),
  error: Type.Union([Type.Null(), Type.Object({})]),
  result: Type.Object({ build_stages: Type.Record(Type.String(), BuildStageRecord) }),
});
export type FullStages = Static<typeof FullStages>;

/** ShowBuildRecordBuildScript / ShowYamlTemplate answer: the build.yml text. */
export const BuildScriptResult = Envelope(Type.String());

/** A build record (ShowBuildRecord, each row of ListRecords). */
export const BuildRecord = Type.Object({
  id: Type.String(),
  status: Type.String(),
  status_code: Type.Integer(),
  create_time: Type.String(),
  schedule_time: Type.String(),
  queued_time: Type.String(),
  start_time: Type.String(),
  finish_time: Type.String(),
  duration: Type.Integer({ description: 'ms from trigger to finish' }),
  build_duration: Type.Integer({ description: 'ms executing' }),
  pending_duration: Type.Integer({ description: 'ms queued' }),
  project_id: Type.String({ description: 'The build project id (= the job id)' }),
  display_name: Type.String({ description: 'The job name' }),
  trigger_name: Type.String({ description: 'Who ran the build' }),
  group_name: Type.String(),
  execution_id: Type.String(),
  parameters: Type.Array(
    Type.Object({
      name: Type.String(),
      secret: Type.Boolean(),
      value: Type.String({ description: 'Secret values are ******' }),
      type: Type.String(),
    }),
  ),
  repository: Type.String({ description: 'The repository URL, without credentials' }),
  branch: Type.String(),
  revision: Type.String(),
  build_yml_path: Type.String({ description: '"" for a graphical build' }),
  build_yml_url: Type.String(),
  daily_build_number: Type.String(),
  build_record_type: Type.Object({
    rerun: Type.Boolean(),
    trigger_type: Type.String(),
    record_type: Type.String(),
    is_rerun: Type.Boolean(),
  }),
  trigger_type: Type.String(),
  scm_type: Type.String(),
  scm_web_url: Type.String(),
  user_id: Type.String(),
  build_no: Type.String(),
  daily_build_no: Type.String(),
  dev_cloud_build_type: Type.String(),
});

/** ShowBuildRecord answer. */
export const BuildRecordResult = Envelope(BuildRecord);
export type BuildRecordResult = Static<typeof BuildRecordResult>;

/** ShowActionIInfo query (job_id in the query, as the SDK sends it). */
export const StageLogQuery = Type.Object({
  job_id: JobId('Build task (job) id'),
  build_no: WireInt({ minimum: 1, maximum: 2147483647, description: 'Build number' }),
  start_offset: WireInt({
    minimum: 0,
    maximum: 2147483647,
    default: 0,
    description: 'Byte offset in the log (or stage) where the page starts (ASC) or may reach back to (DESC)',
  }),
  end_offset: WireInt({
    minimum: 0,
    maximum: 2147483647,
    default: 0,
    description: 'Byte offset where the page ends; 0: ASC a page of at most 1 MiB, DESC the end',
  }),
  sort: Type.Optional(
    Type.String({
      pattern: '^(ASC|AES|DESC|asc|aes|desc)$',
      'x-kiln-format': 'ASC or DESC',
      description: 'ASC (default; AES as the docs spell it) or DESC (the latest bytes first)',
    }),
  ),
  stage: Type.Optional(
    Type.String({
      pattern: '^(initial|final|stage[1-9][0-9]{0,5})$',
      'x-kiln-format': 'a stage key (initial, stage1.., final)',
      description:
        "Kiln: one stage's part of the log (a key of ShowBuildRecordFullStages); offsets count from its start",
    }),
  ),
});

/** ShowActionIInfo answer (offsets are strings, as the SDK declares them). */
/** DownloadBuildRealTimeLog query: ShowActionIInfo's offsets and sort, and the page's size. */
export const RealTimeLogPageQuery = Type.Object({
  start_offset: Type.Optional(StageLogQuery.properties.start_offset),
  end_offset: Type.Optional(StageLogQuery.properties.end_offset),
  sort: StageLogQuery.properties.sort,
  size: Type.String({
    pattern: '^[0-9]{1,7}$',
    'x-kiln-format': 'a number of bytes, 4 to 1048576',
    description: 'Most bytes of the page (4, one UTF-8 character, to 1 MiB)',
  }),
});

export const StageLogPage = Envelope(
  Type.Object({
    has_more: Type.Boolean(),
    start_offset: Type.String(),
    end_offset: Type.String(),
    log: Type.String(),
    location: Type.String({ description: 'Where the log is kept: "kiln"' }),
  }),
);

const recordInfoFields = (duration: ReturnType<typeof Type.Integer> | ReturnType<typeof Type.Number>) =>
  Type.Object({
    id: Type.String({ description: 'The record id (UUID)' }),
    build_project_id: Type.String(),
    build_record_id: Type.String(),
    parent_record_id: Type.String(),
    devcloud_project_id: Type.String(),
    codeci_job_id: Type.String(),
    user_id: Type.String(),
    build_no: Type.Integer(),
    daily_build_num: Type.String(),
    execution_id: Type.String(),
    repo_name: Type.String(),
    repo_id: Type.String(),
    branch: Type.String(),
    tag: Type.String(),
    commit: Type.String(),
    commit_message: Type.String(),
    commit_create_time: Type.String(),
    trigger_type: Type.String({ description: 'MANUAL, SCHEDULED or CODE_UPDATE' }),
    build_type: Type.String(),
    status: Type.String(),
    domain_id: Type.String(),
    create_time: Type.String(),
    schedule_time: Type.String(),
    queued_time: Type.String(),
    start_time: Type.String(),
    runnable_time: Type.String(),
    finish_time: Type.String(),
    duration,
    record_status: Type.String(),
    use_private_slave: Type.Integer(),
    region: Type.String(),
    err_msg: Type.String(),
    build_config_type: Type.String({
      description: 'YAML (the build.yml of the commit) or ACTION (the steps of the job)',
    }),
  });

/** The record-info result of ShowRecordDetail (v4) and ShowJobBuildRecordDetail (v1): duration int32. */
export const RecordInfo = recordInfoFields(Type.Integer({ description: 'ms' }));
export type RecordInfo = Static<typeof RecordInfo>;

/** ShowRecordInfo (v3, style C): duration is a float in its model. */
export const RecordInfoV3 = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  err_code: Type.String(),
  result: recordInfoFields(Type.Number({ description: 'ms' })),
});
export type RecordInfoV3 = Static<typeof RecordInfoV3>;

/** ListRecords and ShowJobTotal path: a job (ShowBuildRecord's project_id), or a project (its jobs). */
export const BuildProjectParams = Type.Object({
  build_project_id: Id32(
    "The build project: a job id (ShowBuildRecord's project_id), or a project id for its jobs' builds",
  ),
});

/** ShowJobTotal query: days in the server time zone, both whole; open ends reach all the history. */
export const DateRangeQuery = Type.Object({
  from_date: Type.Optional(
    Type.String({ maxLength: 32, description: 'yyyy-MM-dd (or yyyy-MM-dd HH:mm:ss)' }),
  ),
  to_date: Type.Optional(Type.String({ maxLength: 32, description: 'yyyy-MM-dd (or yyyy-MM-dd HH:mm:ss)' })),
});

/** ShowJobTotal answer. */
export const JobTotal = Type.Object({
  result: Type.Object({ total: Type.Integer({ description: 'Builds started in the range' }) }),
  status: Type.String(),
  error: Type.Null(),
});

/** ListBriefRecord query. */
export const BriefQuery = Type.Object({
  limit: WireInt({
    minimum: 0,
    maximum: 100,
    default: 10,
    description: 'The latest builds per build project',
  }),
});

/** ListBriefRecord body: build project (job) ids. */
export const BriefBody = Type.Array(JobId('A build project: a job id'), {
  minItems: 1,
  maxItems: 100,
  'x-kiln-items': 'job id',
});

export const BriefRecord = Type.Object({
  id: Type.String({ description: 'The record id' }),
  status: Type.String(),
  duration: Type.Integer({ description: 'ms from queued to finished (so far)' }),
  create_time: Type.String(),
  schedule_time: Type.String(),
  queued_time: Type.String(),
  start_time: Type.String(),
  finish_time: Type.String(),
  build_duration: Type.Integer({ description: 'ms it ran' }),
  pending_duration: Type.Integer({ description: 'ms it waited for a runner' }),
  project_id: Type.String({ description: 'The build project: the job id' }),
  build_no: Type.Integer(),
  branch: Type.String(),
  revision: Type.String({ description: 'The commit' }),
  trigger_name: Type.String({ description: 'Who started it' }),
  daily_build_number: Type.String(),
});
export type BriefRecord = Static<typeof BriefRecord>;

/** ListBriefRecord answer: per build project, its latest builds, newest first. */
export const BriefRecords = Type.Object({
  result: Type.Array(
    Type.Object({ project_id: Type.String(), brief_build_record_dtos: Type.Array(BriefRecord) }),
  ),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowBuildDetails answer. */
export const BuildDetails = Envelope(
  Type.Object({
    building: Type.Boolean({ description: 'true until the build finishes' }),
    build_result: Type.String({ description: "SUCCESS, FAILURE, ABORTED or timeout; '' while it runs" }),
    region: Type.String({
      description: "The IAM project (region) the caller's credentials name; '' when none",
    }),
  }),
);

/** ListRecords query (reference A.3): a page of a build project's records, narrowed. */
export const RecordsFilterQuery = Type.Object({
  page: Type.Optional(WireInt({ minimum: 0, maximum: 2147483647, default: 0, description: 'From 0' })),
  limit: Type.Optional(WireInt({ minimum: 1, maximum: 100, default: 10 })),
  triggers: Type.Optional(
    WireList({
      maxLength: 256,
      description: 'Comma-separated or the key repeated: MANUAL, SCHEDULED, CODE_UPDATE',
    }),
  ),
  branches: Type.Optional(
    WireList({ maxLength: 4096, description: 'Branch names, comma-separated or the key repeated' }),
  ),
  tags: Type.Optional(
    WireList({ maxLength: 4096, description: 'Tag names, comma-separated or the key repeated' }),
  ),
  from_date: DateRangeQuery.properties.from_date,
  to_date: DateRangeQuery.properties.to_date,
});

/** ListRecords answer. */
export const RecordsPageResult = Envelope(
  Type.Object({
    pagination: Type.Object({
      page: Type.Integer(),
      limit: Type.Integer(),
      total: Type.Integer({ description: 'How many records match (exact)' }),
    }),
    data: Type.Array(BuildRecord),
  }),
);
