/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Whether a name holds a control character (C0, DEL or C1): refused in the names people give
 * (jobs, groups, projects, artifacts, users' display names). C1 counts: U+009B is an 8-bit CSI and
 * U+009D an OSC to terminals that take them, as ESC [ and ESC ] are.
 */
export function hasControlChars(text: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text);
}

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

/** `text` for one line of a message: visibleControls, and a line break shown as `\n`. */
export function visibleLine(text: string): string {
  return visibleControls(text).replace(/\n/g, '\\n');
}

/** Unicode's direction controls, as a character class's inside: embeddings and overrides, isolates. */
const DIRECTION = '\\u202a-\\u202e\\u2066-\\u2069';

/** Whether a text holds one of Unicode's direction controls. */
export const DIRECTION_CONTROLS = new RegExp(`[${DIRECTION}]`);

/**
 * What acts on a terminal instead of showing: C0 but tab, line feed and the CR of a CRLF; DEL; C1;
 * the line and paragraph separators; and Unicode's bidirectional embeddings, overrides and
 * isolates (LRE..RLO, LRI..PDI), with which `rlo\u202etxt.exe` reads as `rloexe.txt` in a
 * terminal that lays text out both ways (the "Trojan Source" trick).
 */
const ACTS_ON_TERMINAL = new RegExp(
  `[\\u0000-\\u0008\\u000b-\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029${DIRECTION}]|\\r(?!\\n)`,
  'g',
);

/**
 * `text` as the CLI writes it to a terminal: what would act on it becomes a `\u001b`-style escape,
 * which reads the same inside a JSON or YAML string. Output going to a file or a pipe is data and
 * is written exactly; a build's log is the build's own output and is written as it is too.
 */
export function terminalText(text: string): string {
  return text.replace(ACTS_ON_TERMINAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
