import { readFile } from 'node:fs/promises';
import YAML, { isMap, isScalar, isSeq, type Node } from 'yaml';
import { JobDocumentInput } from '../domain/job-document.ts';
import { CliError, type CliContext } from './context.ts';
import { cannotRead } from './file-problem.ts';
import { readStdin } from './secrets.ts';

/** A job document as read from a file, before the server validates it. */
export type JobDocument = Record<string, unknown>;

async function readText(ctx: CliContext, file: string): Promise<string> {
  if (file === '-') return readStdin(ctx);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw cannotRead(file, error as NodeJS.ErrnoException);
  }
}

/** Line and column (from 1) of a character offset of `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/**
 * Where JSON.parse stopped. Node 20's V8 says "at position N" for most mistakes; an unexpected
 * token is said only with a snippet of the text, so its place is found as the first occurrence of
 * that token whose prefix already fails the same way (the prefixes before it are merely
 * unfinished). -1 when neither says.
 */
function jsonErrorOffset(text: string, message: string): number {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/^Unexpected end of JSON input/.test(message)) return text.length;
  const token = /^Unexpected token '(.)'/s.exec(message)?.[1];
  if (token === undefined) return -1;
  const fails = (end: number) => {
    try {
      JSON.parse(text.slice(0, end + 1));
      return false;
    } catch (error) {
      return (error as Error).message.startsWith(`Unexpected token '${token}'`);
    }
  };
  const places: number[] = [];
  for (let i = text.indexOf(token); i >= 0; i = text.indexOf(token, i + 1)) places.push(i);
  // The prefixes fail from the mistake on and only from there: a binary search finds it.
  let lo = 0;
  let hi = places.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(places[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return places.length > 0 && fails(places[lo]!) ? places[lo]! : -1;
}

/**
 * JSON.parse's complaint as one line with the line and column, as YAML errors give them:
 * "Expected double-quoted property name at line 5, column 31" (its own text may hold a snippet
 * of the file, line breaks and all).
 */
function jsonProblem(text: string, error: Error): string {
  const reason = error.message.replace(/(?: in JSON)? at position \d+.*$/s, '').replace(/, ".*$/s, '');
  const offset = jsonErrorOffset(text, error.message);
  if (offset < 0) return reason.replace(/\s+/g, ' ');
  const { line, column } = lineColumn(text, offset);
  return `${reason} at line ${line}, column ${column}`;
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
    // YAML's message ends with a snippet of the file under the line: the first line says it all.
    const problem = json
      ? jsonProblem(text, error as Error)
      : (error as Error).message.replace(/:?\n[\s\S]*$/, '');
    throw new CliError(`${file} is not valid ${json ? 'JSON' : 'YAML'}: ${problem}`);
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
