import { describe, expect, it } from 'vitest';
import { parseAnsiLine } from '../../web/src/lib/ansi.ts';
import { LogBuffer, markMatches } from '../../web/src/lib/log-buffer.ts';

/**
 * The log viewer's ANSI handling and search marks (web/src/lib/ansi.ts, log-buffer.ts), with lines
 * a real build wrote (shown on a real `kiln serve` build page: the colour set before a carriage
 * return is lost, CSI sequences with ':' or private parameters show as raw ESC text, and searching
 * "error" in "İstanbul error here" marks "rror ").
 */

describe('ANSI escapes around a carriage return', () => {
  it('keeps a colour set before the carriage return for the text after it and for later lines', () => {
    const b = new LogBuffer();
    // A terminal draws "still red" and "next line" in red: SGR state is not undone by \r.
    b.append('\u001b[31mred\rstill red\nnext line\u001b[0m\n');
    const [first, second] = b.lines();
    expect(first?.text).toBe('still red');
    expect(first?.runs[0]?.style.fg).toBe('#f87171');
    expect(second?.runs[0]?.style.fg).toBe('#f87171');
  });

  it('applies a reset written before the carriage return', () => {
    const b = new LogBuffer();
    b.append('\u001b[31mred line\n');
    b.append('progress\u001b[0m\rdone\nplain\n');
    expect(b.lines()[2]?.text).toBe('plain');
    expect(b.lines()[2]?.runs[0]?.style.fg).toBeUndefined();
  });
});

describe('escape sequences other than SGR are dropped', () => {
  it.each([
    ['colon-separated SGR (curly underline)', 'a\u001b[4:3mb\u001b[0mc', 'abc'],
    ['a private CSI (xterm modifyOtherKeys)', 'a\u001b[>4;2mb', 'ab'],
    ['a CSI with an intermediate byte (cursor shape)', 'a\u001b[2 qb', 'ab'],
    ['CSI = (private mode)', 'a\u001b[=5hb', 'ab'],
    ['ESC c (reset to initial state)', 'a\u001bcb', 'ab'],
  ])('%s', (_what, line, shown) => {
    const text = parseAnsiLine(line, {})
      .runs.map((r) => r.text)
      .join('');
    expect(text).not.toContain('\u001b');
    expect(text).toBe(shown);
  });

  it('reads the SGR sub-parameters it knows and no private CSI as colour', () => {
    const style = (line: string) => parseAnsiLine(line, {}).runs[0]?.style ?? {};
    expect(style('\u001b[4:3mcurly')).toEqual({ underline: true });
    expect(style('\u001b[4m\u001b[4:0mnone').underline).toBe(false);
    expect(style('\u001b[38:2::1:2:3mrgb').fg).toBe('rgb(1,2,3)');
    expect(style('\u001b[38:2:1:2:3mrgb').fg).toBe('rgb(1,2,3)');
    expect(style('\u001b[48:5:1mbg').bg).toBe('#f87171');
    expect(style('\u001b[>1mkeys')).toEqual({});
  });
});

describe('search marks', () => {
  it('marks the match itself when lower-casing changes the length of earlier text', () => {
    const runs = parseAnsiLine('İstanbul error here', {}).runs;
    const marked = markMatches(runs, 'error')
      .filter((r) => r.mark)
      .map((r) => r.text);
    expect(marked).toEqual(['error']);
  });

  it('marks the whole character when the match is part of its lower case', () => {
    const runs = parseAnsiLine('xİy', {}).runs;
    expect(
      markMatches(runs, 'i')
        .filter((r) => r.mark)
        .map((r) => r.text),
    ).toEqual(['İ']);
  });
});
