import { readFileSync } from 'node:fs';
import { operations } from '../src/contract/operations.ts';

/**
 * The operation table of docs/api-compat.md: every operation of the CodeArts Build SDK catalogue
 * (reference §10, kept as test/fixtures/sdk-operations.json; `--from-reference` re-reads the
 * team's reference), served or not by Kiln's route table.
 */
const FIXTURE = new URL('../test/fixtures/sdk-operations.json', import.meta.url);
const REFERENCE = new URL('../../shared/reference/codearts-build-api.md', import.meta.url);

/** One catalogue row. */
export interface CatalogueRow {
  method: string;
  path: string;
  operation: string;
}

/** The 135 operations of the SDK catalogue. */
export function catalogue(): CatalogueRow[] {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as CatalogueRow[];
}

/** The catalogue as the reference lists it. */
export function catalogueFromReference(text = readFileSync(REFERENCE, 'utf8')): CatalogueRow[] {
  const rows: CatalogueRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\| \d+ \| (GET|POST|PUT|DELETE) \| `([^`]+)` \| (\w+) \|/.exec(line);
    if (m) rows.push({ method: m[1] as string, path: m[2] as string, operation: m[3] as string });
  }
  return rows;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Whether Kiln serves an operation: same id, method and path in the route table. */
export function served(row: CatalogueRow): boolean {
  const spec = (operations as Record<string, { method: string; path: string }>)[lowerFirst(row.operation)];
  return spec !== undefined && spec.method === row.method && spec.path === row.path;
}

/** What the notice operations say of their channels (docs/notifications.md). */
const NOTICE_CHANNELS =
  "channels DING_TALK, MAIL, MESSAGE and Kiln's SLACK and WEBHOOK (no WECOM); `enable_map` adds Kiln's events `buildFixed` and `buildStillFailing`; `param_config` is a JSON object in a string, shown only to those who may modify the job (null to others and for a channel without settings, as the reference's example has it)";

/** Served operations that leave something out, and what. */
export const PARTLY: Record<string, string> = {
  ListProjectJobs:
    '`search`, `creator_id`, `build_status` and `sort_order` work; `sort_field` is `job_name`, `last_build_time` or `create_time` (CodeArts names none); `favorite=true` (Kiln) keeps the favourites of the caller; `group_path_id` keeps a group and its subgroups, `by_group=true` without it the jobs in no group',
  CheckWebhookUrl:
    "checks the URL's scheme, host and path against the notice type's chat service (DING_TALK, FEI_SHU, WE_COM, WE_LINK); of these Kiln sends notices to DingTalk only (the DING_TALK channel)",
  ListNotice: NOTICE_CHANNELS,
  ShowJobNoticeConfigInfo: NOTICE_CHANNELS,
  UpdateNotice: `${NOTICE_CHANNELS}; \`use_project_notice\` is accepted and ignored (no project-wide settings); \`send_switch\` "false" turns the channel off`,
  UpdateNewNoticeNew: `${NOTICE_CHANNELS}; \`use_project_notice\` is accepted and ignored (no project-wide settings); \`send_switch\` "false" turns the channel off`,
  DisableNotice: 'turns every event of the channel off; its `param_config` stays',
  UploadKeystore:
    '`privacy` is `public` (every user of the domain may use the file) or `private`; a name the domain has gets new bytes when the caller may change that file (docs/files.md)',
  ListKeystoreSearch: "every file of the caller's domain, with the caller's rights; adds `size` and `sha256`",
  DownloadKeystoreByName:
    'answers the bytes as `application/octet-stream` (the reference declares JSON); those who may use the file',
  UpdateKeystorePermission: 'the `setting` right stays as it was (the body has no field for it)',
  ListCustomTemplate: '`filter` and `tags` are accepted and ignored',
  ListRecommendOfficialTemplate:
    "Kiln's official templates, those whose stack the repository's name suggests first, then the domain's most used (SaveTemplateUsedInfo); the server does not fetch the repository",
  ListOfficialTemplate:
    "Kiln's official templates (docs/jobs.md): a working job for each common stack; `weight` is how many of the domain's jobs started from it",
  ShowRecordDetail:
    "`repo_name`, `repo_id`, `err_msg` are empty strings; `parent_record_id` names the BuildFlow's build for a job of a flow ('' otherwise)",
  ShowRecordInfo:
    "`repo_name`, `repo_id`, `err_msg` are empty strings; `parent_record_id` names the BuildFlow's build for a job of a flow ('' otherwise)",
  ShowJobBuildRecordDetail:
    "`repo_name`, `repo_id`, `err_msg` are empty strings; `parent_record_id` names the BuildFlow's build for a job of a flow ('' otherwise)",
  ShowBuildRecord:
    "`group_name` is empty; every parameter's `type` is `string`; `rerun`/`is_rerun` are false (no reruns)",
  ShowBuildRecordFullStages:
    "`cascade` is accepted and ignored (stages have no sub-stages); status codes are Kiln's beyond 5 and 8 (see below)",
  ShowActionIInfo:
    "offsets are bytes of the log; `stage` (Kiln) picks one stage's part, which the SDK cannot send (see below)",
  ShowJobPipelineInfo:
    '`all` and `check_param_used` are accepted and ignored; `region`, `language` are empty',
  ShowYamlTemplate: '`default_host` is accepted and ignored',
  ListJunitCoverageSummary:
    "the steps that read JUnit reports (`unit_test.report_path`, the Maven module's `file`, any step's `report_path`); `root_id` is `<record id's hex>-s<step>`; `region` is empty",
  ShowReportSummary:
    "JUnit counts (skipped as `others`); `execution_time` is the step's duration; the reference's summary has no coverage fields (Kiln's `/v1/kiln/jobs/{job_id}/{build_no}/tests` gives it); `region` is empty",
  DownloadJunitCoverageZip:
    "the step's report files (its JUnit XML and, with `unit_test.coverage`, the coverage directory) as a zip, kept as the build's artifact `test-reports-stage<N>.zip`: a server without an artifact store keeps none (404 saying so)",
  ShowFlowGraph:
    "a vertex per job of the flow (its build); `status` is QUEUED or RUNNING until the job's build ends; an edge runs from a job to each job that depends on it",
  ShowBuildRecordFlowGraph:
    "a vertex per job of the flow (its build); `status` is QUEUED or RUNNING until the job's build ends; an edge runs from a job to each job that depends on it",
  ShowOutputInfo:
    "`package_infos` holds the build's artifacts by name and `package_info` the one kept last (both null without any, as the reference's example has `package_info`); `image_infos` is null (Kiln pushes no images); `package_type` is `generic`, `type` is `package`, `uri` is Kiln's download path",
  BatchDeleteBuildJobs:
    'needs a token or an AK/SK signature like every other operation (CodeArts names no auth for it); the jobs move to the recycle bin, all or none; `result` names the last one',
  ListRecyclingJob:
    "the deleted jobs the caller may view (of the projects they can see, by each job's own matrix, as the live lists); `keep_time` is the days a job stays in the bin (`KILN_RECYCLE_BIN_DAYS`); `page_no` 0 reads as 1",
  ListUpdateJobHistory:
    '`update_type` is CREATE, UPDATE, DISABLE, ENABLE, DELETE or RESTORE; `id` is the job id and the update number; a job from before Kiln kept history starts with one CREATE entry holding its document at the upgrade',
  ShowJobConfigDiff:
    '`result` is a unified diff of the two documents (JSON, two-space indent), secrets masked as ListJobConfig shows them to the caller',
  ShowLastHistory:
    "a repository is a job's `scms[].repo_name`, or its URL's last path segment without `.git`; `record_id` is the build's daily number, as the reference's example shows; 404 when no job of the project built it successfully",
  ShowJobInfo:
    "`charge_time` is empty; `build_time` is the last build's duration in milliseconds, as text; the `is_*` flags are the caller's permissions on the job",
  CopyJob:
    "the body is the new job; what it leaves out that CreateBuildJob cannot carry (timeout, triggers, ...) and the secrets it sends back masked come from `copy_job_id`, which the caller must be allowed to copy (and to modify, for its secrets to come along); the copy goes to the body's group, else to the source's within its project",
  BatchUpdateJobRolePermission:
    '`job_ids` is required (1 to 100); rows for CodeArts roles Kiln does not have (role ids other than -1, 4, 7, -3) change nothing; `id`, `devuc_role_id`, `role_name` and `count` are ignored (see Job permissions below)',
  ApplyProjectPermission: '`job_id` and `project_switch` are required',
  MoveGroup: '`jobs` is required (1 to 100 jobs of the project); `job_name` is ignored',
  DownloadBuildFullLog:
    "`log_level` INFO (the default) is the log as the build wrote it, DEBUG adds `[kiln debug]` lines after it: the build's times, trigger, commit and each step's module, outcome, times and log bytes (any case; anything else is a 400); `compress=true` sends the log gzip-compressed (still `application/octet-stream`, as the SDKs expect; named `<record_id>.log.gz`)",
  DownloadBuildRealTimeLog:
    "ShowActionIInfo's offsets and sort; `size` (required) is the most bytes of the page, 4 (one UTF-8 character) to 1048576",
  ShowUserChargeType:
    'a self-hosted server charges nothing: `type` SELF_HOSTED, `charge_type` NONE, no resources',
  ShowDomainStatus:
    'in service (`status` 1); `free_quota` false (no quota of any kind); `allow_custom_env` 1 (builds run on the runners the domain provides)',
  ShowDomainsStatuses:
    "`domain_ids` (comma-separated; absent: the caller's) that the caller may see: their own, every one for an administrator of the default domain; `package_type` SELF_HOSTED, `spec_threshold` \"[]\", `region` the caller's IAM project ('' for an access key sent without X-Project-Id)",
  ShowUserOverPackageQuota:
    'no build quota: `build_quota` "unlimit", `is_over_quota` false, `used_quota` \'\'',
  ShowAvailableInnerSpec:
    '`DEFAULT` (any runner of the arch) and the pools (KILN_RUNNER_POOL) the enabled runners of that arch announced, sorted; `[]` when no runner has the arch',
  ShowPackageSpecCountDown: 'a self-hosted server sells no packages: `result` is always empty',
  ShowImageTemplateList:
    "the build environments are the places of the enabled runners: one entry per arch/pool (`image_id`, `image_name` and `image_label` all say it; never a runner's id or host), `description` the tools and versions found there; `base_image` is '' (runners are machines, not images); any signed-in user may read it",
  ShowDockerfileTemplate:
    "`image_id` is one of ShowImageTemplateList's; the answer is a Dockerfile (`FROM debian:bookworm-slim`, for the arch's platform) that installs the tools its runners announced from Debian's packages, naming the runners' versions in comments (Debian's may differ; Bazel has no package); an unknown `image_id` is a 404 naming the known ones",
  ShowSummaryBuildJobInfo:
    "the live jobs the caller may view in their domain: `job_total`, `build_no` (their builds), `avg_success_ratio` (percent of the last 30 days' builds with an outcome that succeeded; 0 without any), `version_total` (the artifacts their builds keep)",
  ShowProjectPermission:
    "what the caller's role allows by the project's matrix (a job with its own may differ); `create_permission` and `group_permission` for developers and owners; role ids as a string (-1 owner, 4 developer, 7 viewer)",
  ShowJobBuildSuccessRatio:
    'the last `interval` days, today included (server time zone); builds with an outcome (SUCCESS, FAILURE, timeout) count, aborted ones neither way; `total_success_ratio_fraction` is `success/total` ("4/5"); a day\'s `success_ratio` is a percentage, 0 for a day without builds; counts exact (a counting query per day); `repository_name` must be the job\'s repository (404 otherwise)',
  ShowJobBuildTime:
    "the finished builds of the last `interval` days: average, longest and shortest exact, the chart oldest first (the latest 10,000); average, longest and shortest in ms, the chart's `build_time` in seconds (rounded), as the reference has them; 0s when none; `repository_name` must be the job's repository (404 otherwise)",
  ListRepository:
    "the repository the job's document names (Kiln's jobs build one; no history of earlier ones is kept)",
  ListRepoBranch:
    "the branches the job's builds checked out, by name (tags and commits left out; at most 1,000); `repository_name` must be the job's repository (404 otherwise; empty or missing: 400)",
  ListRecords:
    "`build_project_id` is a job id (ShowBuildRecord's `project_id`), or a project id: then its live jobs' builds that the caller may view, merged newest first (start time, then number); each row is ShowBuildRecord's result; `triggers` (MANUAL, SCHEDULED, CODE_UPDATE), `branches` and `tags` are comma-separated or their key repeated as the Node SDK sends them (`triggers=MANUAL&triggers=SCHEDULED`; both forms may be mixed), a build matching a branch or a tag when both are given; `from_date`/`to_date` as ShowJobTotal's; `limit` 1 to 100; `pagination.total` is exact. Without a filter a page costs the same at any depth (the window's day index, summed over a project's jobs); with one, the window's builds are filtered",
  ShowJobTotal:
    "`build_project_id` is a job id (ShowBuildRecord's `project_id`), or a project id (its live jobs the caller may view); `from_date`/`to_date` are days (yyyy-MM-dd, or yyyy-MM-dd HH:mm:ss) in the server time zone, both whole; an open end reaches all the history",
  ListBriefRecord:
    "the body's build projects are job ids (all must be visible, else 404/403); `limit` (0 to 100, default 10) latest builds of each, newest first; times in the record-info format",
  ShowBuildDetails:
    "`build_result` is SUCCESS, FAILURE, ABORTED or timeout, '' while the build runs; `region` is the IAM project the caller's credentials name ('' for an access key sent without X-Project-Id)",
  ShowCopyName: 'the first of `<name>-copy-1`, `-copy-2`, ... that no live job of the project has',
  ShowDisable:
    "`forbiddener` is the user name and `forbidden_time` epoch milliseconds, from the job's history; both empty/0 while enabled",
  StopTheJob:
    'without `build_no`, stops the latest queued or running build (404 when there is none); when that build is a job of a BuildFlow, the flow (and with it all its jobs); a build that had already finished answers `{"status": "fail", "error": "build N already finished: STATE"}`',
  DeleteRecyclingJobs:
    'project owners only (with `is_view` and `is_delete` on each job, which owners always have); the builds, logs and artifacts go in the background',
  ClearRecyclingJobs: "deletes for good the bin's jobs of the projects the caller owns; the others stay",
  DownloadBuildLog:
    "`log_level` INFO (the default) is the log as the build wrote it, DEBUG adds `[kiln debug]` lines after it: the build's times, trigger, commit and each step's module, outcome, times and log bytes (any case; anything else is a 400)",
  DownloadTaskLog:
    "`task_name` is a step name, or a stage key (`initial`, `stage2`, `final`); `log_level` DEBUG adds the step's `[kiln debug]` line (the build's, for `initial` and `final`)",
};

function status(r: CatalogueRow): string {
  if (!served(r)) return 'not planned';
  const note = PARTLY[r.operation];
  return note ? `partly served: ${note}` : 'served';
}

/** The markdown table. */
export function compatTable(rows = catalogue()): string {
  const lines = rows
    .slice()
    .sort((a, b) => Number(served(b)) - Number(served(a)) || a.path.localeCompare(b.path))
    .map((r) => `| ${r.operation} | ${r.method} | \`${r.path}\` | ${status(r)} |`);
  return ['| operation | method | path | Kiln |', '|---|---|---|---|', ...lines].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    compatTable(process.argv.includes('--from-reference') ? catalogueFromReference() : catalogue()),
  );
}
