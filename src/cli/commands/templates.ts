import type { Command } from 'commander';
import type { Kiln } from '../../client/kiln-client.ts';
import { findInPages, PAGE_SIZE, readAllPages } from '../all-pages.ts';
import { parseJobId } from '../arguments.ts';
import { CliError, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

interface Row {
  scope: string;
  name: string;
  steps: number;
  description: string;
  uuid: string;
}

/** A page of the official templates (ListOfficialTemplate counts pages from 0), `name` part of theirs. */
export function officialPage(client: Kiln, name?: string) {
  return async (page: number) => {
    const { result } = await client.listOfficialTemplate({
      query: { page: String(page), page_size: String(PAGE_SIZE), ...(name && { name }) },
    });
    return { items: result.items, total: result.total_size };
  };
}

/** A page of the domain's templates (ListCustomTemplate counts pages from 1), `name` part of theirs. */
export function customPage(client: Kiln, name?: string) {
  return async (page: number) => {
    const { result } = await client.listCustomTemplate({
      query: { page, page_size: PAGE_SIZE, ...(name && { name }) },
    });
    return { items: result.items, total: result.total_size };
  };
}

/** `kiln templates list|save|delete`: build templates (`kiln jobs init --template NAME` uses them). */
export function registerTemplates(program: Command, ctx: CliContext): void {
  const templates = program
    .command('templates')
    .description("Build templates: Kiln's official ones and your domain's own");

  outputOption(templates.command('list').description("The official templates, then the domain's own")).action(
    async (opts: { output: OutputFormat }) => {
      const client = ctx.client();
      const official = await readAllPages(officialPage(client), 0);
      const custom = await readAllPages(customPage(client), 1);
      const rows: Row[] = [
        ...official.map((t) => ({
          scope: 'official',
          name: t.name,
          steps: t.template.steps.length,
          description: t.description,
          uuid: t.uuid,
        })),
        ...custom.map((t) => ({
          scope: 'custom',
          name: t.name,
          steps: t.template.steps.length,
          description: t.description,
          uuid: t.uuid,
        })),
      ];
      writeRows<Row>(
        opts.output,
        [
          { header: 'scope', value: (r) => r.scope },
          { header: 'name', value: (r) => r.name },
          { header: 'steps', value: (r) => r.steps },
          { header: 'description', value: (r) => r.description },
        ],
        rows,
        ctx.out,
      );
    },
  );

  templates
    .command('save')
    .description("Save a job's steps and parameters as a template of the domain; prints its uuid")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .requiredOption('--name <name>', "the template's name (unique in the domain)")
    .option('--description <text>', 'what it is for', '')
    .action(async (job: string, opts: { name: string; description: string }) => {
      const client = ctx.client();
      const doc = (await client.listJobConfig({ params: { job_id: job } })).result;
      // A code-based job may keep steps in its document from before (they never run): not saved either.
      if (doc.build_config_type === 'YAML' || doc.steps.length === 0)
        throw new CliError(
          `job ${job} has no steps to save: a code-based job's steps are in its build.yml, which a template does not hold`,
        );
      const made = await client.createTemplate({
        body: {
          name: opts.name,
          description: opts.description,
          template: { steps: doc.steps },
          ...(doc.parameters && { parameters: doc.parameters }),
        },
      });
      ctx.out(`${made.result.uuid}\n`);
    });

  templates
    .command('delete')
    .description("Delete one of the domain's templates (its creator or a domain administrator)")
    .argument('<name>', "the template's name")
    .action(async (name: string) => {
      const client = ctx.client();
      const found = await findInPages(customPage(client, name), 1, (t) => t.name === name);
      if (!found) throw new CliError(`your domain has no template named ${name}`);
      await client.deleteTemplate({ params: { uuid: found.uuid } });
      ctx.err(`deleted ${name}\n`);
    });
}
