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

/**
 * Escape sequences as ECMA-48 frames them. CSI: ESC [, parameter bytes 0x30-0x3F (digits and
 * `: ; < = > ?`), intermediate bytes 0x20-0x2F, a final byte 0x40-0x7E. OSC: ESC ], ended by BEL
 * or ESC \. Any other: ESC, intermediate bytes, a final byte 0x30-0x7E (ESC c, ESC ( B, ESC 7).
 * Matching the whole frame drops sequences such as ESC[4:3m or ESC[2 q whole, not as raw text.
 */
const ESCAPES =
  /\u001b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[\x20-\x2f]*[\x30-\x7e]/g;

/**
 * One SGR parameter with `:` sub-parameters (ITU T.416) as the `;` codes applySgr reads: 4:3
 * (curly underline) underlines, 4:0 does not; 38:5:n and 38:2:[colour space]:r:g:b colour. Others
 * (an underline colour) are dropped rather than read as the codes their parts look like.
 */
function subParameterCodes(param: string): number[] {
  const [code, ...sub] = param.split(':').map(Number);
  if (code === 4) return [sub[0] === 0 ? 24 : 4];
  if ((code === 38 || code === 48) && sub[0] === 5) return [code, 5, sub[1] ?? -1];
  // The colour space id may be there (38:2::r:g:b) or not (38:2:r:g:b, as many tools write it).
  if ((code === 38 || code === 48) && sub[0] === 2) return [code, 2, ...sub.slice(sub.length > 4 ? 2 : 1)];
  return [];
}

/** The codes of an SGR sequence's parameter bytes (ESC [ params m). */
function sgrCodes(params: string): number[] {
  return params
    .split(';')
    .filter((x) => x !== '')
    .flatMap((p) => (p.includes(':') ? subParameterCodes(p) : [Number(p)]));
}

/**
 * Whether a CSI is SGR: final byte m, no intermediates, and no private marker (`< = > ?` first:
 * ESC[>4;2m sets xterm's key modes, not colours).
 */
function isSgr(params: string, intermediates: string, final: string): boolean {
  return final === 'm' && intermediates === '' && !/^[<=>?]/.test(params);
}

/** Runs of `text` starting in `style`, escapes dropped and SGR applied; and the style after it. */
function parseRuns(text: string, style: AnsiStyle): { runs: AnsiRun[]; style: AnsiStyle } {
  const runs: AnsiRun[] = [];
  let current = style;
  let last = 0;
  for (const m of text.matchAll(ESCAPES)) {
    const at = m.index ?? 0;
    if (at > last) runs.push({ text: text.slice(last, at), style: current });
    const [, params = '', intermediates = '', final = ''] = m;
    if (isSgr(params, intermediates, final)) current = applySgr(current, sgrCodes(params));
    last = at + m[0].length;
  }
  if (last < text.length) runs.push({ text: text.slice(last), style: current });
  return { runs, style: current };
}

/** Parses one line (without its newline) starting in `style`; returns its runs and the style after it. */
export function parseAnsiLine(line: string, style: AnsiStyle): { runs: AnsiRun[]; style: AnsiStyle } {
  // A carriage return redraws the line (progress bars): only what was written last shows. The
  // colours set before it still hold, on a terminal as here: a reset there ends the colour.
  const cr = line.lastIndexOf('\r');
  if (cr < 0) return parseRuns(line, style);
  return parseRuns(line.slice(cr + 1), parseRuns(line.slice(0, cr), style).style);
}

/** The plain text of runs (what search looks at). */
export function plainText(runs: readonly AnsiRun[]): string {
  return runs.map((r) => r.text).join('');
}
