import { readFile } from 'node:fs/promises';
import YAML, { isMap, isScalar, isSeq, type Node } from 'yaml';
import { JobDocumentInput } from '../domain/job-document.ts';
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
    value = json ? JSON.parse(text) : readYaml(text);
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

/** What the walk needs of a JSON schema (TypeBox's are JSON Schema). */
interface SchemaPart {
  type?: string;
  anyOf?: SchemaPart[];
  properties?: Record<string, SchemaPart>;
  items?: SchemaPart;
}

/**
 * YAML, where a field the job document types as text keeps the text written: `version: 1.10` is
 * "1.10" and `auto_update_sub_module: true` is "true", as the server takes them (YAML alone would
 * read a number 1.1 and a boolean, which the server refuses or, worse, reads otherwise).
 */
function readYaml(text: string): unknown {
  const doc = YAML.parseDocument(text);
  if (doc.errors[0]) throw doc.errors[0];
  keepText(doc.contents, JobDocumentInput as SchemaPart);
  return doc.toJS();
}

function keepText(node: unknown, schema: SchemaPart | undefined): void {
  if (!schema) return;
  const kinds = schema.anyOf ?? [schema];
  if (isScalar(node)) {
    const textOnly =
      kinds.every((k) => k.type === 'string' || k.type === 'null') && kinds.some((k) => k.type === 'string');
    if (textOnly && node.value !== null && typeof node.value !== 'string')
      node.value = (node as Node & { source?: string }).source ?? String(node.value);
    return;
  }
  const object = kinds.find((k) => k.type === 'object' && k.properties);
  if (isMap(node) && object?.properties)
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      keepText(pair.value, object.properties[key]);
    }
  const list = kinds.find((k) => k.type === 'array');
  if (isSeq(node) && list) for (const item of node.items) keepText(item, list.items);
}
