/**
 * How deep a JSON request body may nest. No CodeArts body needs more than a handful of levels (a
 * job's step properties are the deepest free-form part), while a body of a few thousand levels
 * overflows the stack of JSON.stringify (when Kiln keeps the value) and of PostgreSQL's jsonb
 * parser: refused up front, for every operation alike, with the limit named.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON `text` opens more than `max` arrays or objects inside one another. Reads the
 * text once, skipping strings, so a bracket inside a string does not count.
 */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
