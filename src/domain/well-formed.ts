/**
 * Text Kiln cannot keep as it came. A lone UTF-16 surrogate (only a JSON `\ud800` escape makes
 * one: decoded bytes never hold it) has no encoding, and UTF-8 turns it into U+FFFD, so two
 * different names would read the same. A NUL character (U+0000) PostgreSQL's text cannot hold at
 * all: refused on both stores alike, with the field named, rather than a 500 on one of them.
 */
const UNKEEPABLE = /[\p{Surrogate}\u0000]/u;

/** Why `text` (which holds a character UNKEEPABLE matches) is refused. */
function problemOf(text: string): string {
  return /\p{Surrogate}/u.test(text)
    ? 'is not valid Unicode (a lone surrogate)'
    : 'holds a NUL character (U+0000), which Kiln does not keep';
}

/** `\ud800` for a lone surrogate, `\u0000` for a NUL, so a message shows where it is. */
const shown = (key: string) =>
  key.replace(/[\p{Surrogate}\u0000]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Only a `\uD800`-`\uDFFF` or `\u0000` escape puts such a character in parsed JSON (a raw NUL is
 * not valid JSON): other texts are not walked.
 */
const ESCAPE = /\\u(?:[dD][89a-fA-F]|0000)/;

/** Where a refused text is (`steps[0].name`, '' for the value itself) and why. */
export interface TextFault {
  field: string;
  problem: string;
}

/**
 * The first string (or object key) of `value`, parsed from the JSON `text`, that Kiln cannot keep,
 * or undefined when there is none. Walks with a stack of its own: a body nested many thousand
 * levels deep cannot overflow the call stack.
 */
export function unkeepableField(text: string, value: unknown): TextFault | undefined {
  if (!ESCAPE.test(text)) return undefined;
  const stack: [unknown, string][] = [[value, '']];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (UNKEEPABLE.test(v)) return { field: path, problem: problemOf(v) };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).reverse();
      for (const [key, child] of entries) {
        const at = path ? `${path}.${shown(key)}` : shown(key);
        if (UNKEEPABLE.test(key)) return { field: at, problem: problemOf(key) };
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

/**
 * The first of `fields` (query parameters, form fields: decoded text, where `%00` makes a NUL)
 * that Kiln cannot keep, or undefined.
 */
export function unkeepableText(fields: Record<string, string | string[] | undefined>): TextFault | undefined {
  for (const [name, value] of Object.entries(fields)) {
    for (const text of Array.isArray(value) ? value : [value ?? ''])
      if (UNKEEPABLE.test(text) || UNKEEPABLE.test(name))
        return { field: shown(name), problem: problemOf(UNKEEPABLE.test(text) ? text : name) };
  }
  return undefined;
}
