import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { CliError, type CliContext } from './context.ts';
import { readStdin } from './secrets.ts';

/** A job document as read from a file, before the server validates it. */
export type JobDocument = Record<string, unknown>;

async function readText(ctx: CliContext, file: string): Promise<string> {
  if (file === '-') return readStdin(ctx);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/**
 * Reads a job document in the CodeArts create-body shape from a YAML or JSON file (`-` is stdin).
 * A `.json` file is parsed as JSON so its errors read as JSON errors; anything else as YAML,
 * which takes JSON too. The fields themselves are the server's to check: it names every bad one.
 */
export async function readJobFile(ctx: CliContext, file: string): Promise<JobDocument> {
  const text = await readText(ctx, file);
  const json = /\.json$/i.test(file);
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(
      `${file} must hold one job document: a mapping with job_name, arch, steps ... (see \`kiln jobs show <job>\`)`,
    );
  }
  return value as JobDocument;
}
