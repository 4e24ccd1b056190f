import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';

/** A build file that cannot be run; the message starts with `path:line:column:`. */
export class BuildYamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildYamlError';
  }
}

/** A build.yml larger than this is refused (a real one is a few KB). */
export const MAX_BUILD_YAML_BYTES = 256 * 1024;

/**
 * A build file read with the failsafe schema (every scalar a string), and the helpers that read
 * its nodes and fail naming the place: what the single-job and the BuildFlow readers share.
 */
export interface YamlReader {
  doc: Document;
  root: YAMLMap<unknown, unknown>;
  lines: LineCounter;
  fail(offset: number | undefined, message: string): never;
  where(node: unknown): number | undefined;
  mapOf(node: unknown, what: string): YAMLMap<unknown, unknown>;
  keyOf(pair: { key: unknown }): string;
  stringOf(node: unknown, what: string): string;
  /** True for an absent or empty node (`key:` with nothing after it). */
  isEmpty(node: unknown): boolean;
}

/** Parses `text` and checks it is a map; throws BuildYamlError for what YAML itself refuses. */
export function yamlReader(text: string, path: string): YamlReader {
  const lines = new LineCounter();
  const fail = (offset: number | undefined, message: string): never => {
    const pos = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
    throw new BuildYamlError(`${path}:${pos.line}:${pos.col}: ${message}`);
  };
  if (Buffer.byteLength(text) > MAX_BUILD_YAML_BYTES)
    throw new BuildYamlError(`${path}: is larger than ${MAX_BUILD_YAML_BYTES / 1024} KB`);
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: true });
  checkFullWidthColon(text, path);
  const [error] = doc.errors;
  if (error) {
    const at = error.pos[0];
    if (error.code === 'TAB_AS_INDENT')
      fail(
        at,
        'a TAB character indents this line; YAML indents with spaces only (some CodeArts examples use TABs)',
      );
    if (error.code === 'DUPLICATE_KEY') fail(at, `${firstLine(error.message)}: each key may appear once`);
    fail(at, firstLine(error.message));
  }
  const root = doc.contents;
  if (!isMap(root))
    return fail(root?.range?.[0], 'expected a map of keys (version, params, env, steps, ...)');

  const where = (node: unknown) => (node as Node | null | undefined)?.range?.[0];
  const mapOf = (node: unknown, what: string): YAMLMap<unknown, unknown> => {
    if (isMap(node)) return node;
    const n = node as Node | undefined;
    if (isScalar(n) && /[\w-]:[^\s]/.test(String(n.value)))
      fail(
        where(n),
        `${what} must be a map; write a space after each colon ("${colonSlip(String(n.value))}" is read as one string)`,
      );
    return fail(where(n), `${what} must be a map`);
  };
  const keyOf = (pair: { key: unknown }) => (isScalar(pair.key) ? String(pair.key.value) : '');
  const stringOf = (node: unknown, what: string): string => {
    if (node === null || node === undefined) return '';
    if (isScalar(node)) return String(node.value ?? '');
    return fail(where(node), `${what} must be a single value`);
  };
  const isEmpty = (node: unknown) =>
    node === null || node === undefined || (isScalar(node) && node.value === '');
  return { doc, root, lines, fail, where, mapOf, keyOf, stringOf, isEmpty };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/ at line \d+, column \d+:?$/, '');
}

function colonSlip(text: string): string {
  return /[\w-]+:[^\s]\S*/.exec(text)?.[0] ?? text;
}

/** A key written with a full-width colon (`pool：Mydocker`) reads as text, not as a key. */
function checkFullWidthColon(text: string, path: string): void {
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^(\s*(?:-\s+)?[\w-]+\s*)：/.exec(line);
    if (m)
      throw new BuildYamlError(
        `${path}:${i + 1}:${(m[1] as string).length + 1}: a full-width colon (：) where YAML needs ":" followed by a space`,
      );
  });
}
