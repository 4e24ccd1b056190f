import { Option, type Command } from 'commander';
import { JOB_SAMPLES, SAMPLE_NAMES, type SampleName } from '../job-samples.ts';
import type { CliContext } from '../context.ts';

/** `kiln jobs init`: a commented job file to start from. Needs no server. */
export function registerJobInit(jobs: Command, ctx: CliContext): void {
  jobs
    .command('init')
    .description(
      'Print a commented job file to start from (needs no server): edit it, then `kiln jobs create -f`',
    )
    .addOption(
      new Option('-t, --template <name>', 'what the job builds with').choices(SAMPLE_NAMES).default('shell'),
    )
    .addHelpText(
      'after',
      `\nTemplates: shell (bash steps), npm, maven, yaml (the steps in the repository's .cloudbuild/build.yml).
Every field is described in docs/jobs.md.

Example:
  kiln jobs init --template npm > job.yaml
  $EDITOR job.yaml
  kiln jobs create -f job.yaml --project default`,
    )
    .action((opts: { template: SampleName }) => {
      ctx.out(JOB_SAMPLES[opts.template]);
    });
}
