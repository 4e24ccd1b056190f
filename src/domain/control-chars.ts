/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `\x1b` for ESC, `\u2028` for a line separator: the character named, not acted on. */
function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

/**
 * `text` safe to write to a terminal: a line feed stays (a cell of several lines is meant), a tab
 * becomes a space, and every other control character a visible escape. Text from the server (a
 * job's or file's name, a description, a commit message) is whoever wrote it's: raw, an ESC or
 * CSI could recolour the terminal, move the cursor over earlier lines, set its title or hide the
 * rest of the row.
 */
export function visibleControls(text: string): string {
  return text.replace(CONTROL_CHARS, (c) => (c === '\n' ? c : c === '\t' ? ' ' : escaped(c)));
}
