import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type visitor as visitorFn,
  type Node,
  type YAMLMap,
} from 'yaml';

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

const DEEPLY = 'the file nests lists or maps more deeply than Kiln reads (a few hundred levels)';

/** Parses `text` and checks it is a map; throws BuildYamlError for what YAML itself refuses. */
export function yamlReader(text: string, path: string): YamlReader {
  const lines = new LineCounter();
  const fail = (offset: number | undefined, message: string): never => {
    const pos = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
    throw new BuildYamlError(`${path}:${pos.line}:${pos.col}: ${message}`);
  };
  if (Buffer.byteLength(text) > MAX_BUILD_YAML_BYTES)
    throw new BuildYamlError(`${path}: is larger than ${MAX_BUILD_YAML_BYTES / 1024} KB`);
  // Keys are checked for duplicates below: the library's own check compares every pair of a map's
  // keys, which took a minute for a map of 50,000 (on the event loop of the server's own runner).
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lines, uniqueKeys: false });
  checkFullWidthColon(text, path);
  const [error] = doc.errors;
  if (error) {
    const at = error.pos[0];
    if (error.code === 'TAB_AS_INDENT')
      fail(
        at,
        'a TAB character indents this line; YAML indents with spaces only (some CodeArts examples use TABs)',
      );
    if (error.code === 'MULTIPLE_DOCS')
      fail(at, 'a build file is one YAML document; this "---" line starts a second one');
    // The YAML library reads nesting by recursion: a file nested thousands deep runs out of stack.
    if (/maximum call stack size exceeded/i.test(error.message)) fail(at, DEEPLY);
    fail(at, firstLine(error.message));
  }
  try {
    resolveAliases(doc, fail);
    checkUniqueKeys(doc, fail);
    checkTextValues(doc, fail);
  } catch (error) {
    // Walking a tree the library read, nested deeper than this thread's stack goes.
    if (error instanceof RangeError) fail(undefined, DEEPLY);
    throw error;
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
  const keyOf = (pair: { key: unknown }): string => {
    if (isScalar(pair.key)) return String(pair.key.value);
    // A complex key (`? [a]`) would otherwise be read as "" and named as an unknown key "".
    if (isMap(pair.key) || isSeq(pair.key))
      fail(where(pair.key), `a key must be a single value (text), not a ${isMap(pair.key) ? 'map' : 'list'}`);
    return '';
  };
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
  // A word starts only where none goes on: without the lookbehind, each position inside a long
  // word would be tried again to its end (a 250 KB value took a minute).
  return /(?<![\w-])[\w-]+:[^\s]\S*/.exec(text)?.[0] ?? text;
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

/** Fails the file at the second appearance of a key in one map (keys are compared as text). */
function checkUniqueKeys(doc: Document, fail: (offset: number | undefined, message: string) => never): void {
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key))
          fail(
            pair.key.range?.[0],
            `the key "${key.length > 60 ? `${key.slice(0, 60)}…` : key}" appears twice in this map: each key may appear once`,
          );
        seen.add(key);
      }
    },
  });
}

/**
 * Fails the file at a value the failsafe schema does not read as text: the YAML library still
 * makes bytes of `!!binary` and a date of `!!timestamp`, which every reader would take for a
 * missing value (`action sh needs inputs.command`) or print as something else than written.
 */
function checkTextValues(doc: Document, fail: (offset: number | undefined, message: string) => never): void {
  visit(doc, {
    Scalar(_key, node) {
      if (node.value === null || node.value === undefined || typeof node.value === 'string') return;
      const tag = node.tag?.replace(/^tag:yaml\.org,2002:/, '!!') ?? 'tagged';
      fail(
        node.range?.[0],
        `a ${tag} value is not text: Kiln reads every value as text; write it without the tag`,
      );
    },
  });
}

/** Aliases beyond these fail the file: each copies its anchor, and copies can nest or double. */
const MAX_ALIASES = 100;
const MAX_COPIED_NODES = 10_000;

/**
 * Replaces each alias (`*common`) by a copy of its anchored node (`&common`), so that the readers
 * see the nodes a YAML reader would; within bounds, against a file that multiplies itself.
 */
function resolveAliases(doc: Document, fail: (offset: number | undefined, message: string) => never): void {
  let aliases = 0;
  let copied = 0;
  const visitor: visitorFn = {
    Alias(_key, alias) {
      const at = alias.range?.[0];
      if (++aliases > MAX_ALIASES) fail(at, `more than ${MAX_ALIASES} aliases (*name)`);
      const target = alias.resolve(doc);
      if (!target) return fail(at, `no anchor &${alias.source} before this alias`);
      const [from, to] = target.range ?? [];
      if (at !== undefined && from !== undefined && to !== undefined && at >= from && at < to)
        fail(
          at,
          `the alias *${alias.source} is inside its own anchor &${alias.source}: it would copy itself without end`,
        );
      visit(target, () => {
        if (++copied > MAX_COPIED_NODES)
          fail(at, `the aliases (*name) copy more than ${MAX_COPIED_NODES} values`);
      });
      // The copy's own aliases are resolved too (visit does not enter a node it was given back).
      const copy = target.clone() as Node;
      visit(copy, visitor);
      return copy;
    },
  };
  visit(doc, visitor);
}
