/**
 * Text that is not Unicode: a JSON `\ud800` escape parses to a lone UTF-16 surrogate, which no
 * encoding can store or send back as it came (UTF-8 turns it into U+FFFD), so two different names
 * would read the same. Decoded bytes never hold one: only JSON escapes make them.
 */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** `\ud800` for a lone surrogate, so a message can show where it is without carrying one. */
const shown = (key: string) =>
  key.replace(/\p{Surrogate}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Only a `\uD800`-`\uDFFF` escape puts a lone surrogate in parsed JSON: other texts are not walked. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Where in `value`, parsed from the JSON `text`, the first string (or object key) with a lone
 * surrogate is, as `steps[0].name` ('' for the value itself), or undefined when every string is
 * well formed. Walks with a stack of its own: a body nested many thousand levels deep cannot
 * overflow the call stack.
 */
export function loneSurrogateField(text: string, value: unknown): string | undefined {
  if (!SURROGATE_ESCAPE.test(text)) return undefined;
  const stack: [unknown, string][] = [[value, '']];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).reverse();
      for (const [key, child] of entries) {
        const at = path ? `${path}.${shown(key)}` : shown(key);
        if (LONE_SURROGATE.test(key)) return at;
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}
