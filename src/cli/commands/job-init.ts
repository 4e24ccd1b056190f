import { visibleLine } from '../../domain/control-chars.ts';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { JOB_SAMPLES, SAMPLE_NAMES, type SampleName } from '../job-samples.ts';
import { findInPages } from '../all-pages.ts';
import { CliError, type CliContext } from '../context.ts';
import { customPage, officialPage } from './templates.ts';

const isSample = (name: string): name is SampleName => (SAMPLE_NAMES as readonly string[]).includes(name);

/**
 * `kiln jobs init`: a job file to start from: one of the commented samples (needs no server), or
 * a job made from a build template of the server: an official one or the domain's own.
 */
export function registerJobInit(jobs: Command, ctx: CliContext): void {
  jobs
    .command('init')
    .description(
      'Print a job file to start from: a commented sample (needs no server) or a build template of the server; edit it, then `kiln jobs create -f`',
    )
    .option('-t, --template <name>', `a sample (${SAMPLE_NAMES.join(', ')}) or a template's name`, 'shell')
    .addHelpText(
      'after',
      `\nSamples (commented, no server needed): shell (bash steps), npm, maven, yaml (the steps in the
repository's .cloudbuild/build.yml). Any other name is a build template of the server you are
logged in to: Kiln's official ones (shell, npm, python, go, cmake, maven, gradle, artifacts, as
ListOfficialTemplate lists them; a sample of the same name wins) or your domain's own.
Every field is described in docs/jobs.md.

Example:
  kiln jobs init --template npm > job.yaml
  kiln jobs init --template python > job.yaml
  $EDITOR job.yaml
  kiln jobs create -f job.yaml --project default`,
    )
    .action(async (opts: { template: string }) => {
      if (isSample(opts.template)) {
        ctx.out(JOB_SAMPLES[opts.template]);
        return;
      }
      ctx.out(await fromServerTemplate(ctx, opts.template));
    });
}

/** A job file made from the server's template of that name (official first, then the domain's). */
async function fromServerTemplate(ctx: CliContext, name: string): Promise<string> {
  const client = ctx.client();
  // The name matches part of theirs: the template itself may come after a page of longer names.
  const official = await findInPages(officialPage(client, name), 0, (t) => t.name === name);
  const custom = official
    ? undefined
    : await findInPages(customPage(client, name), 1, (t) => t.name === name);
  const template = official ?? custom;
  if (!template)
    throw new CliError(
      `no sample or template named ${name}: samples are ${SAMPLE_NAMES.join(', ')}; \`kiln templates list\` shows the server's`,
    );
  const doc = {
    job_name: 'my-job',
    scms: [{ url: 'https://github.com/you/your-repo.git', scm_type: 'git', branch: 'main' }],
    steps: template.template.steps,
    ...(template.parameters.length > 0 && { parameters: template.parameters }),
  };
  // One comment line: a line break in the description (any member of the domain writes it) would
  // end the comment and put keys of its own (triggers, project_id) into the job file.
  return `# A Kiln job made from the ${official ? 'official' : "domain's"} template "${visibleLine(name)}": ${visibleLine(template.description)}
# Set the repository, then: kiln jobs create -f job.yaml --project default
# Every field is described in docs/jobs.md.
${stringify(doc, { lineWidth: 0 })}`;
}
