import type { Command } from 'commander';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { formatDuration } from '../../domain/duration.ts';
import { intInRange, parseJobId } from '../arguments.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';
import { resolveProject } from '../project-ref.ts';

const ms = (v: number | null) => (v === null ? '' : formatDuration(v));

type JobInsights = ResponseOf<'showJobInsights'>['result'];
type ProjectInsights = ResponseOf<'showProjectInsights'>['result'];
type Week = JobInsights['weeks'][number];

/** `kiln jobs insights`: a job's weeks in delivery measures and build times, and its flaky commits. */
export function registerJobInsights(jobs: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('insights')
      .description(
        "A job's last days by week: builds, change failure rate, time to restore, lead time, build times; then its flaky commits",
      )
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .option('--days <n>', 'days, today included', intInRange(1, 366), 90),
  ).action(async (job: string, opts: { days: number; output: OutputFormat }) => {
    const { result } = await ctx
      .client()
      .showJobInsights({ params: { job_id: job }, query: { days: opts.days } });
    printInsights(ctx, opts.output, result, result.default_branch || 'all', (f) => f.commit_id.slice(0, 8));
  });
}

/** `kiln projects insights`: the same, of a project's jobs taken together. */
export function registerProjectInsights(projects: Command, ctx: CliContext): void {
  outputOption(
    projects
      .command('insights')
      .description(
        "A project's last days by week, its jobs taken together (each job's branch): builds, change failure rate, time to restore, lead time, build times; then its flaky commits",
      )
      .argument('<project>', 'project id or name')
      .option('--days <n>', 'days, today included', intInRange(1, 366), 90),
  ).action(async (project: string, opts: { days: number; output: OutputFormat }) => {
    const client = ctx.client();
    const { result } = await client.showProjectInsights({
      params: { project_id: await resolveProject(client, project) },
      query: { days: opts.days },
    });
    printInsights(
      ctx,
      opts.output,
      result,
      "each job's branch",
      (f) => `${f.job_name} ${f.commit_id.slice(0, 8)}`,
    );
    if (opts.output === 'table') ctx.err(`${result.jobs} job${result.jobs === 1 ? '' : 's'} counted.\n`);
  });
}

/** The weeks as rows, then (in a table) the flaky commits, each named by `commitName`. */
function printInsights<R extends JobInsights | ProjectInsights>(
  ctx: CliContext,
  output: OutputFormat,
  result: R,
  branch: string,
  commitName: (f: R['flaky'][number]) => string,
): void {
  writeRows<Week>(
    output,
    [
      { header: 'week of', value: (w) => w.week },
      { header: 'builds', value: (w) => w.builds },
      {
        header: `failure rate (${branch})`,
        // No build of the branch that week: no rate (as the dashboard's "–"), not "0 %".
        value: (w) => (w.default_branch_builds === 0 ? '' : `${Math.round(w.change_failure_rate * 100)} %`),
      },
      { header: 'time to restore', value: (w) => ms(w.time_to_restore_ms) },
      { header: 'lead time', value: (w) => ms(w.lead_time_ms) },
      { header: 'build p50', value: (w) => ms(w.duration_p50_ms) },
      { header: 'build p90', value: (w) => ms(w.duration_p90_ms) },
    ],
    result.weeks,
    ctx.out,
  );
  if (output !== 'table') return;
  if (!result.complete) ctx.err(`Only the latest ${result.builds_read} builds of the window were read.\n`);
  if (result.flaky.length === 0) ctx.out('No flaky commit: no commit was built with different outcomes.\n');
  for (const f of result.flaky as R['flaky'][number][])
    ctx.out(`Flaky ${commitName(f)}: ${f.builds.map((b) => `#${b.build_number} ${b.state}`).join(', ')}\n`);
  for (const st of result.stages as R['stages'][number][])
    ctx.out(
      `Slow stage ${'job_name' in st ? `${st.job_name} ` : ''}"${st.name}": p50 ${ms(st.p50_ms)}, p90 ${ms(st.p90_ms)}, longest ${ms(st.max_ms)} (${st.runs} runs)\n`,
    );
}
