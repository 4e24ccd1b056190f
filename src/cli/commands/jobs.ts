import { InvalidArgumentError, Option, type Command } from 'commander';
import YAML from 'yaml';
import type { Kiln } from '../../client/kiln-client.ts';
import type { JobConfigBody, JobListItem, UpdateJobBody } from '../../contract/jobs.ts';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { CLEARED_ON_REPLACE } from '../../domain/job-config.ts';
import { allPages, PAGE_SIZE } from '../all-pages.ts';
import { parseJobId } from '../arguments.ts';
import { CliError, type CliContext } from '../context.ts';
import { readJobFile, type JobDocument } from '../job-file.ts';
import { outputOption } from '../options.ts';
import { RowWriter, type Column, type OutputFormat } from '../output.ts';
import { registerJobCopy } from './job-copy.ts';
import { registerJobInit } from './job-init.ts';
import { registerJobHistory } from './job-history.ts';
import { registerJobPermissions } from './job-permissions.ts';
import { registerJobInsights } from './job-insights.ts';
import { registerJobSchedules } from './job-schedules.ts';
import { registerNotices } from './notices.ts';
import { resolveProject } from '../project-ref.ts';
import { resolveGroup } from './groups.ts';

/** Jenkins ball colours (what the job list carries) in words; `_anime` means building now. */
function lastBuild(colour: string): string {
  if (colour.endsWith('_anime')) return 'building';
  const words: Record<string, string> = { blue: 'success', red: 'failure', aborted: 'aborted', notbuilt: '' };
  return words[colour] ?? colour;
}

/**
 * `--status`: the API's filter words (ListProjectJobs' build_status), or the words the table's
 * "last build" column shows (`failure`, `success`), which a user copies from it. Checked here, so a
 * typo is a usage error (exit 2) naming the option, not the server's 400 naming its field.
 */
const STATUS_WORDS: Record<string, string> = {
  red: 'red',
  failure: 'red',
  blue: 'blue',
  success: 'blue',
  timeout: 'timeout',
  aborted: 'aborted',
  building: 'building',
  none: 'none',
};
function jobStatus(value: string): string {
  const status = STATUS_WORDS[value.toLowerCase()];
  if (status === undefined)
    throw new InvalidArgumentError(
      'must be red (or failure), blue (or success), timeout, aborted, building or none (never built)',
    );
  return status;
}

const JOB_COLUMNS: Column<JobListItem>[] = [
  { header: 'name', value: (j) => j.job_name },
  { header: 'id', value: (j) => j.id },
  { header: 'last build', value: (j) => lastBuild(j.last_build_status) },
  {
    header: 'last triggered (UTC)',
    value: (j) => (j.last_build_time ? new Date(j.last_build_time).toISOString() : ''),
  },
  { header: 'health', value: (j) => j.health_score },
  { header: 'disabled', value: (j) => (j.disabled ? 'yes' : '') },
  { header: 'favourite', value: (j) => (j.favorite ? '★' : '') },
];
/** The list across projects says whose each job is. */
const PROJECT_COLUMN: Column<JobListItem & { project_name?: string }> = {
  header: 'project',
  value: (j) => j.project_name ?? '',
};

/**
 * Every job of a project (ListProjectJobs), or of every project the caller can see (ListJob),
 * matching the filters, fetched a page of 100 at a time.
 */
function listedJobs(
  client: Kiln,
  projectId: string | undefined,
  filters: {
    search?: string;
    status?: string;
    favourites?: boolean;
    groupPath?: string;
    ungrouped?: boolean;
  },
): AsyncGenerator<JobListItem & { project_name?: string }> {
  const grouping = {
    ...(filters.groupPath && { group_path_id: filters.groupPath }),
    ...(filters.ungrouped && { by_group: 'true' }),
  };
  return allPages(async (page) => {
    const query = {
      page_index: page,
      page_size: PAGE_SIZE,
      ...(filters.search && { search: filters.search }),
      ...(filters.status && { build_status: filters.status }),
      ...(filters.favourites && { favorite: 'true' }),
    };
    const { jobs, total } = projectId
      ? await client.listProjectJobs({ params: { project_id: projectId }, query: { ...query, ...grouping } })
      : await client.listJob({ query }).then((r) => ({ jobs: r.result.job_list, total: r.result.total }));
    return { items: jobs, total };
  }, 0);
}

/** Fills project_id from --project when the file lacks it; refuses two different projects. */
async function withProject(client: Kiln, doc: JobDocument, project: string | undefined, file: string) {
  if (project === undefined) {
    if (doc.project_id === undefined)
      throw new CliError(`${file} has no project_id: add one or pass --project <id or name>`);
    return doc;
  }
  const projectId = await resolveProject(client, project);
  if (doc.project_id !== undefined && doc.project_id !== projectId)
    throw new CliError(
      `${file} names project ${String(doc.project_id)} but --project is ${projectId}: keep one`,
    );
  return { ...doc, project_id: projectId };
}

function registerReadCommands(jobs: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('list')
      .description("A project's jobs (build tasks); without a project, those of every project you can see")
      .argument('[project]', 'project id or name (see `kiln projects`)')
      .option('-s, --search <text>', 'only jobs whose name contains this')
      .option(
        '--status <status>',
        'only jobs whose last build is red (failure), blue (success), timeout, aborted, building or none (never built)',
        jobStatus,
      )
      .option('--favourites', 'only your favourite jobs (`kiln jobs favourite`)')
      .option(
        '--group <group>',
        'only the jobs of this group and its subgroups (id or path, `kiln groups list`)',
      )
      .option('--ungrouped', 'only the jobs in no group'),
  ).action(
    async (
      project: string | undefined,
      opts: {
        search?: string;
        status?: string;
        favourites?: boolean;
        group?: string;
        ungrouped?: boolean;
        output: OutputFormat;
      },
    ) => {
      const client = ctx.client();
      const projectId = project === undefined ? undefined : await resolveProject(client, project);
      if ((opts.group || opts.ungrouped) && projectId === undefined)
        throw new CliError('--group and --ungrouped need a project: groups are per project');
      const group = opts.group && projectId ? await resolveGroup(client, projectId, opts.group) : undefined;
      const columns = projectId ? JOB_COLUMNS : [...JOB_COLUMNS, PROJECT_COLUMN];
      const writer = new RowWriter(opts.output, columns, ctx.out);
      const filters = { ...opts, ...(group && { groupPath: group.path_id }) };
      for await (const job of listedJobs(client, projectId, filters)) writer.row(job);
      writer.end();
    },
  );

  jobs
    .command('show')
    .description("A job's configuration, in the shape `jobs create` and `jobs update` take")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (job: string, opts: { output: 'yaml' | 'json' }) => {
      const config = (await ctx.client().listJobConfig({ params: { job_id: job }, query: {} })).result;
      ctx.out(opts.output === 'json' ? `${JSON.stringify(config, null, 2)}\n` : YAML.stringify(config));
    });
}

function registerWebhookCommand(jobs: Command, ctx: CliContext): void {
  jobs
    .command('webhook')
    .description("The job's push-webhook URL and secret, to give the git host (developers and owners)")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .option(
      '--rotate',
      'replace the secret with a new one first: deliveries signed with the old one are refused',
    )
    .action(async (job: string, opts: { rotate?: boolean }) => {
      const client = ctx.client();
      const params = { params: { job_id: job } };
      const hook = (
        await (opts.rotate ? client.rotateJobWebhookSecret(params) : client.showJobWebhook(params))
      ).result;
      ctx.out(`url: ${hook.url}\nsecret: ${hook.secret}\n`);
      if (opts.rotate) ctx.err('The old secret no longer works: give the git host this one.\n');
    });

  outputOption(
    jobs
      .command('deliveries')
      .description(
        "The job's latest 50 push deliveries (and up to 20 unauthenticated refusals besides), newest first, and what came of each (developers and owners)",
      )
      .argument('<job>', 'job id (32 characters)', parseJobId),
  ).action(async (job: string, opts: { output: OutputFormat }) => {
    const { deliveries } = (await ctx.client().listJobWebhookDeliveries({ params: { job_id: job } })).result;
    const writer = new RowWriter(opts.output, DELIVERY_COLUMNS, ctx.out);
    for (const d of deliveries) writer.row(d);
    writer.end();
  });
}

function registerBadgeCommand(jobs: Command, ctx: CliContext): void {
  jobs
    .command('badge')
    .description(
      "Whether the job's status badge is on, its image URL and the Markdown for a README; --on and --off turn it on or off (those who manage the job)",
    )
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .addOption(
      new Option('--on', 'turn the badge on: its image is then readable without signing in').conflicts('off'),
    )
    .option('--off', 'turn the badge off')
    .action(async (job: string, opts: { on?: boolean; off?: boolean }) => {
      const client = ctx.client();
      const params = { params: { job_id: job } };
      const badge = (
        opts.on || opts.off
          ? await client.updateJobBadge({ ...params, body: { enabled: opts.on === true } })
          : await client.showJobBadge(params)
      ).result;
      const base = ctx.url().replace(/\/+$/, '');
      const image = `${base}${badge.path}`;
      ctx.out(
        `enabled: ${badge.enabled ? 'yes' : 'no'}\nimage: ${image}\nmarkdown: "[![build status](${image})](${base}/jobs/${job})"\n`,
      );
      if (!badge.enabled) ctx.err('The badge is off: `kiln jobs badge JOB --on` turns it on.\n');
    });
}

type Delivery = ResponseOf<'listJobWebhookDeliveries'>['result']['deliveries'][number];

const DELIVERY_COLUMNS: Column<Delivery>[] = [
  { header: 'received (UTC)', value: (d) => new Date(d.received_at).toISOString() },
  { header: 'from', value: (d) => [d.sender, d.event].filter(Boolean).join(' ') },
  { header: 'outcome', value: (d) => `${d.outcome} (${d.status}${d.error_code && ` ${d.error_code}`})` },
  { header: 'build', value: (d) => d.build_number ?? '' },
  { header: 'why', value: (d) => d.reason },
];

function registerWriteCommands(jobs: Command, ctx: CliContext): void {
  jobs
    .command('create')
    .description('Create a job from a YAML or JSON file (the CodeArts CreateBuildJob body); prints its id')
    .requiredOption('-f, --file <file>', 'the job document (- reads stdin)')
    .option('-p, --project <project>', 'project id or name, when the file has no project_id')
    .addHelpText('after', '\nExample:\n  JOB=$(kiln jobs create -f job.yaml --project default)')
    .action(async (opts: { file: string; project?: string }) => {
      const client = ctx.client();
      const body = await withProject(client, await readJobFile(ctx, opts.file), opts.project, opts.file);
      const created = await client.createBuildJob({ body: body as JobConfigBody });
      ctx.out(`${created.result.job_id}\n`);
    });

  jobs
    .command('update')
    .description("Replace a job's configuration with a YAML or JSON file (UpdateBuildJob)")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .requiredOption('-f, --file <file>', 'the whole job document (- reads stdin)')
    .addHelpText(
      'after',
      '\nThe file replaces the whole job: what it leaves out is cleared (no triggers, no timeout, no kiln\n' +
        'options, build_if_code_updated false). The API itself (UpdateBuildJob) keeps the stored timeout,\n' +
        'build_if_code_updated, triggers and kiln of a body that leaves them out, as a CodeArts update body\n' +
        'cannot carry them; this command sends them empty instead.\n' +
        '\nTo change one field:\n  kiln jobs show <job> > job.yaml; $EDITOR job.yaml; kiln jobs update <job> -f job.yaml',
    )
    .action(async (job: string, opts: { file: string }) => {
      const client = ctx.client();
      const doc = await readJobFile(ctx, opts.file);
      if (doc.job_id !== undefined && doc.job_id !== job)
        throw new CliError(
          `${opts.file} is for job ${String(doc.job_id)}, not ${job}: remove its job_id or fix it`,
        );
      // The file may leave the project out: the job stays where it is.
      const projectId =
        doc.project_id ??
        (await client.listJobConfig({ params: { job_id: job }, query: {} })).result.project_id;
      const body = { ...CLEARED_ON_REPLACE, ...doc, job_id: job, project_id: projectId } as UpdateJobBody;
      await client.updateBuildJob({ body });
      ctx.out(`Job ${job} updated.\n`);
    });

  jobs
    .command('delete')
    .description(
      'Delete a job: it moves to the recycle bin with its history (`kiln bin restore` brings it back); its queued builds end ABORTED, its running ones are stopped',
    )
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .action(async (job: string) => {
      await ctx.client().deleteBuildJob({ params: { job_id: job } });
      ctx.out(`Job ${job} moved to the recycle bin.\n`);
    });

  for (const verb of ['disable', 'enable'] as const) {
    jobs
      .command(verb)
      .description(verb === 'disable' ? 'Disable a job: it refuses new builds' : 'Enable a disabled job')
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .action(async (job: string) => {
        const client = ctx.client();
        const params = { params: { job_id: job } };
        await (verb === 'disable' ? client.disableBuildJob(params) : client.enableBuildJob(params));
        ctx.out(`Job ${job} ${verb}d.\n`);
      });
  }
}

/** `kiln jobs ...`. */
export function registerJobs(program: Command, ctx: CliContext): void {
  const jobs = program
    .command('jobs')
    .description('List, show, create, change and delete jobs (build tasks)');
  registerReadCommands(jobs, ctx);
  registerWriteCommands(jobs, ctx);
  registerWebhookCommand(jobs, ctx);
  registerBadgeCommand(jobs, ctx);
  registerNotices(jobs, program, ctx);
  registerJobHistory(jobs, ctx);
  registerJobPermissions(jobs, ctx);
  registerJobInsights(jobs, ctx);
  registerJobSchedules(jobs, ctx);
  registerJobCopy(jobs, ctx);
  registerJobInit(jobs, ctx);
}
