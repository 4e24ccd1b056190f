/**
 * Build logs carry the ANSI colours tools print (SGR: `ESC[...m`). This turns a line into styled
 * runs; the colour state carries from line to line as a terminal would. Other escape sequences
 * (cursor moves, erase, OSC titles) are dropped.
 */

/** The style of a run of text. */
export interface AnsiStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

/** A run of text with one style. */
export interface AnsiRun {
  text: string;
  style: AnsiStyle;
}

// Dark-background-friendly versions of the 16 terminal colours.
const BASIC = ['#3f3f46', '#f87171', '#4ade80', '#facc15', '#60a5fa', '#e879f9', '#22d3ee', '#e4e4e7'];
const BRIGHT = ['#a1a1aa', '#fca5a5', '#86efac', '#fde047', '#93c5fd', '#f0abfc', '#67e8f9', '#ffffff'];

function color256(n: number): string | undefined {
  if (n < 0 || n > 255) return undefined;
  if (n < 8) return BASIC[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

/** Applies one SGR parameter list to a style (returns a new style). */
export function applySgr(style: AnsiStyle, codes: number[]): AnsiStyle {
  let s: AnsiStyle = { ...style };
  if (codes.length === 0) codes = [0];
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (c === 0) s = {};
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) s.fg = BASIC[c - 30];
    else if (c >= 90 && c <= 97) s.fg = BRIGHT[c - 90];
    else if (c >= 40 && c <= 47) s.bg = BASIC[c - 40];
    else if (c >= 100 && c <= 107) s.bg = BRIGHT[c - 100];
    else if (c === 39) delete s.fg;
    else if (c === 49) delete s.bg;
    else if (c === 38 || c === 48) {
      const key = c === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5) {
        const col = color256(codes[i + 2] ?? -1);
        if (col) s[key] = col;
        i += 2;
      } else if (codes[i + 1] === 2) {
        const [r, g, b] = [codes[i + 2] ?? 0, codes[i + 3] ?? 0, codes[i + 4] ?? 0];
        s[key] = `rgb(${r},${g},${b})`;
        i += 4;
      }
    }
  }
  return s;
}

// CSI sequences (ESC [ params final) and OSC sequences (ESC ] ... BEL or ESC \).
const ESCAPES = /\u001b\[([0-9;?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Parses one line (without its newline) starting in `style`; returns its runs and the style after it. */
export function parseAnsiLine(line: string, style: AnsiStyle): { runs: AnsiRun[]; style: AnsiStyle } {
  // A carriage return redraws the line (progress bars): only what was written last shows.
  const cr = line.lastIndexOf('\r');
  const visible = cr >= 0 ? line.slice(cr + 1) : line;
  const runs: AnsiRun[] = [];
  let current = style;
  let last = 0;
  for (const m of visible.matchAll(ESCAPES)) {
    const at = m.index ?? 0;
    if (at > last) runs.push({ text: visible.slice(last, at), style: current });
    if (m[2] === 'm') {
      const codes = (m[1] ?? '')
        .split(';')
        .filter((x) => x !== '')
        .map(Number);
      current = applySgr(current, codes);
    }
    last = at + m[0].length;
  }
  if (last < visible.length) runs.push({ text: visible.slice(last), style: current });
  return { runs, style: current };
}

/** The plain text of runs (what search looks at). */
export function plainText(runs: readonly AnsiRun[]): string {
  return runs.map((r) => r.text).join('');
}
