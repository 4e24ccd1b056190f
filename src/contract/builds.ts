import { Type, type Static } from 'typebox';
import { MAX_BUILD_NUMBER } from '../domain/build.ts';
import { BUILD_NUMBER_TEXT, DATE_PATTERN, Envelope, Formatted, JobId, WireInt } from './common.ts';
import { RecordInfo } from './record-views.ts';

/** RunJob / ExecuteJob body. */
export const RunJobBody = Type.Object({
  job_id: JobId('The job to run'),
  parameter: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String({ maxLength: 256 }), value: Type.String({ maxLength: 65536 }) }),
      {
        maxItems: 100,
      },
    ),
  ),
  scm: Type.Optional(
    Type.Object({
      build_tag: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
      build_commit_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    }),
  ),
});
export type RunJobBody = Static<typeof RunJobBody>;

/** RunJob answer (bare, all strings). */
export const RunJobResult = Type.Object({
  octopus_job_name: Type.String({
    description: "Kiln's id of the run (k_ and the end of the build's record id)",
  }),
  actual_build_number: Type.String(),
  daily_build_number: Type.String(),
});

/** StopBuildJob answer. */
export const StopResult = Type.Object({ success: Type.Boolean(), result: Type.String() });

/** StopJob body (build_no is a string here, as in CodeArts). */
export const StopJobBody = Type.Object({
  job_id: JobId('The job'),
  build_no: Type.String({
    pattern: `^${BUILD_NUMBER_TEXT}$`,
    'x-kiln-format': `a build number (1 to ${MAX_BUILD_NUMBER})`,
  }),
});

/** ShowJobStatus answer. */
export const JobStatusResult = Type.Object({
  result: Type.Boolean({ description: 'true while a build of the job is queued or running' }),
});

/** ShowRunningStatus answer. */
export const RunningStatusResult = Envelope(
  Type.Object({
    last_job_id: Type.String(),
    last_build_no: Type.String(),
    last_build_status: Type.String(),
    is_running: Type.Boolean(),
  }),
);

const HistoryRecord = {
  record_id: Type.String(),
  job_id: Type.String(),
  build_number: Type.Integer(),
  start_time: Type.String({ description: 'e.g. 2020-12-30T17:33:11+08:00 (server time zone)' }),
  end_time: Type.String({ description: '"" until the build finishes' }),
  result: Type.String({ description: 'SUCCESS, FAILURE, ABORTED, timeout; "" until finished' }),
};

/** ShowListHistory query. */
export const HistoryQuery = Type.Object({
  offset: Type.Optional(WireInt({ minimum: 0, maximum: 2147483647, default: 0 })),
  limit: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 10 })),
  interval: Type.Optional(
    WireInt({ minimum: 0, maximum: 30, default: 7, description: 'Days back from today' }),
  ),
});

/** ShowListHistory answer. */
export const HistoryResult = Type.Object({
  history_records: Type.Array(Type.Object(HistoryRecord)),
  total: Type.Integer(),
});

/** ShowListPeriodHistory query. */
export const PeriodHistoryQuery = Type.Object({
  offset: Type.Optional(WireInt({ minimum: 0, maximum: 2147483647, default: 0 })),
  limit: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 10 })),
  start_time: Formatted(DATE_PATTERN, 'yyyy-MM-dd', 'First day, inclusive'),
  end_time: Formatted(DATE_PATTERN, 'yyyy-MM-dd', 'Last day, inclusive (at most 30 days after start_time)'),
});

/** ShowListPeriodHistory answer. */
export const PeriodHistoryResult = Type.Object({
  total: Type.Integer(),
  history_records: Type.Array(
    Type.Object({
      ...HistoryRecord,
      branch: Type.String(),
      commit_id: Type.String(),
      commit_message: Type.String(),
      executor: Type.String(),
      trigger_type: Type.String(),
    }),
  ),
});

/** ShowHistoryDetails path. */
export const BuildNumberParams = Type.Object({
  job_id: JobId('Build task (job) id'),
  build_number: WireInt({ minimum: 1, maximum: 2147483647, description: 'Build number' }),
});

/** ShowHistoryDetails answer. */
export const HistoryDetails = Type.Object({
  job_name: Type.String(),
  build_number: Type.Integer(),
  project_id: Type.String(),
  project_name: Type.String(),
  parameters: Type.Record(Type.String(), Type.String(), { description: 'Sensitive values are ******' }),
  build_steps: Type.Array(
    Type.Object({
      name: Type.String(),
      status: Type.String({ description: 'running, success, error, or "" (not run)' }),
      build_time: Type.Integer({ description: 'ms' }),
    }),
  ),
});
export type HistoryDetails = Static<typeof HistoryDetails>;

/** ShowRecordDetail (v4) and ShowJobBuildRecordDetail (v1) answer. */
export const RecordDetail = Type.Object({
  status: Type.String(),
  error: Type.Union([Type.Null(), Type.Object({})]),
  result: RecordInfo,
});
export type RecordDetail = Static<typeof RecordDetail>;

/** DownloadRealTimeLog query. */
export const RealTimeLogQuery = Type.Object({
  offset: WireInt({
    minimum: 0,
    maximum: 2 ** 47,
    description: 'Byte offset to read from (the offset the previous call returned)',
  }),
  length: Type.Optional(
    WireInt({
      minimum: 1,
      maximum: 2 ** 31 - 1,
      default: 1_000_000,
      description: 'Most bytes to return (at most 5 MiB)',
    }),
  ),
  wait_ms: Type.Optional(
    WireInt({
      minimum: 0,
      maximum: 25_000,
      default: 0,
      description:
        "Kiln: at the end of a running build's log, wait up to this long for new bytes before answering",
    }),
  ),
});

/** DownloadRealTimeLog answer. */
export const RealTimeLog = Envelope(
  Type.Object({
    has_more_data: Type.Boolean(),
    offset: Type.Integer({ description: 'Offset to ask for next' }),
    content: Type.String(),
    current_offset: Type.Integer({ description: 'Offset this content starts at' }),
  }),
);

/** Paths of the record-id log downloads. */
export const RecordIdParams = Type.Object({
  record_id: Type.String({ pattern: '^[0-9a-f-]{36}$', 'x-kiln-format': 'a record id (UUID)' }),
});

const LogLevel = Type.Optional(
  Type.String({
    maxLength: 16,
    description: 'INFO (default): the log; DEBUG: and what Kiln knows of the build after it',
  }),
);

/** DownloadBuildLog query. */
export const BuildLogQuery = Type.Object({ log_level: LogLevel });

/** DownloadBuildFullLog query. */
export const FullLogQuery = Type.Object({
  log_level: LogLevel,
  compress: Type.Optional(
    Type.String({ maxLength: 8, description: 'true: the log gzip-compressed (.log.gz)' }),
  ),
});

/** DownloadTaskLog query. */
export const TaskLogQuery = Type.Object({
  task_name: Type.String({ minLength: 1, maxLength: 1000, description: 'The step name' }),
  log_level: LogLevel,
});

/** Webhook answer (Kiln's own). */
export const WebhookResult = Type.Object({
  status: Type.String({ description: '"started" or "ignored"' }),
  reason: Type.String(),
  build_number: Type.Integer({ description: '0 when ignored' }),
  daily_build_number: Type.String(),
});

/** The push webhook of a job (Kiln's own). */
export const WebhookInfo = Envelope(Type.Object({ url: Type.String(), secret: Type.String() }));

/** Kiln's status badge of a job: on or off, and the image's path (readable without a token when on). */
export const BadgeInfo = Envelope(
  Type.Object({
    enabled: Type.Boolean(),
    path: Type.String({ description: 'The badge image, /v1/kiln/jobs/{job_id}/badge.svg' }),
  }),
);
export const BadgeUpdate = Type.Object({ enabled: Type.Boolean() });
export const BadgeImageQuery = Type.Object({
  branch: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: "The branch (default: the job's own)" }),
  ),
});

/** Kiln's list of a job's latest push deliveries and what came of each. */
export const WebhookDeliveries = Envelope(
  Type.Object({
    deliveries: Type.Array(
      Type.Object({
        received_at: Type.Integer({ description: 'Epoch milliseconds' }),
        sender: Type.String({
          description: "github, gitlab, gitea, gitee, codearts; '' when no host's event header came",
        }),
        event: Type.String({ description: "The host's name for the event (push, Push Hook, ping...)" }),
        delivery: Type.String({ description: "The host's delivery id ('' without one)" }),
        outcome: Type.Union([Type.Literal('started'), Type.Literal('ignored'), Type.Literal('refused')]),
        status: Type.Integer({ description: 'The HTTP status Kiln answered' }),
        error_code: Type.String({ description: "The error code of a refusal ('' otherwise)" }),
        reason: Type.String({ description: "Why it was ignored or refused ('' when it started a build)" }),
        build_number: Type.Union([Type.Integer(), Type.Null()], { description: 'The build it started' }),
      }),
    ),
  }),
);

/** Kiln's answer to which runner ran a build: its name, never its id or host. */
export const BuildRunnerResult = Envelope(
  Type.Object({
    ran: Type.Boolean({ description: 'false while the build waits for a runner, and for an imported build' }),
    name: Type.String({ description: "The runner's name ('' when none, or when it was removed since)" }),
    kind: Type.Union([Type.Literal('server'), Type.Literal('remote'), Type.Literal('')], {
      description: "server: a Kiln server's own runner; remote: a registered `kiln runner`",
    }),
    arch: Type.String({ description: 'The architecture it announced (node names: x64, arm64)' }),
    pool: Type.String({ description: 'The pool it announced (KILN_RUNNER_POOL)' }),
  }),
);
export type BuildRunnerResult = Static<typeof BuildRunnerResult>;

/** Kiln's queue: the unfinished builds of the jobs the caller may see: those runners have, then the line. */
export const QueueResult = Envelope(
  Type.Object({
    builds: Type.Array(
      Type.Object({
        job_id: Type.String(),
        job_name: Type.String(),
        project_id: Type.String(),
        build_number: Type.Integer(),
        daily_build_number: Type.String(),
        status: Type.Union([Type.Literal('queued'), Type.Literal('starting'), Type.Literal('running')], {
          description:
            'queued: waiting for a runner; starting: given to one that has not started it (checkout, sandbox)',
        }),
        position: Type.Integer({
          description:
            'Its place among the waiting builds the caller may see (1: the oldest); 0 when no longer waiting',
        }),
        queued_at: Type.Integer({ description: 'When it was triggered (epoch ms)' }),
        started_at: Type.Integer({ description: 'When a runner started it (epoch ms); 0 before' }),
        executor: Type.String(),
        trigger_type: Type.String(),
        needs_arch: Type.String({ description: "The architecture it waits for ('' for any)" }),
        needs_pool: Type.String({ description: "The pool it waits for ('' for any)" }),
        runner: Type.String({ description: "The runner's name, once one has it ('' before)" }),
        is_execute: Type.Boolean({
          description:
            "Whether the caller may run the job, and so stop this build (the job's permission matrix: its own or its project's)",
        }),
      }),
    ),
  }),
);
export type QueueResult = Static<typeof QueueResult>;

/** Kiln's commit messages of a page of a job's builds: which builds. */
export const CommitMessagesQuery = Type.Object({
  numbers: Type.String({
    pattern: `^${BUILD_NUMBER_TEXT}(,${BUILD_NUMBER_TEXT}){0,99}$`,
    'x-kiln-format': `up to 100 build numbers (1 to ${MAX_BUILD_NUMBER}), comma-separated`,
    description: 'The build numbers (a page of the history: at most 100)',
  }),
});

/** Their messages and authors, by build (builds the job does not have are left out). */
export const CommitMessagesResult = Envelope(
  Type.Object({
    commits: Type.Array(
      Type.Object({
        build_number: Type.Integer(),
        commit_message: Type.String(),
        commit_author: Type.String({ description: "The commit's author's name ('' when not known)" }),
      }),
    ),
  }),
);
