import { describe, expect, it } from 'vitest';
import { writeRows } from '../../src/cli/output.ts';
import { visibleControls } from '../../src/domain/control-chars.ts';

/**
 * Table output goes to a terminal: text from the server (a name, a description, a commit message)
 * is whoever wrote it's, and its escape sequences must be shown, not run by the terminal.
 */
describe('table output', () => {
  const hostile = {
    name: 'evil\u001b]0;owned\u0007\u001b[2J\u001b[1A',
    description: 'CSI\u009b31m red\rover\ttab\nsecond line\u2028',
  };

  it('shows control characters as escapes, keeping line feeds', () => {
    let out = '';
    writeRows(
      'table',
      [
        { header: 'name', value: (r: typeof hostile) => r.name },
        { header: 'description', value: (r) => r.description },
      ],
      [hostile],
      (t) => (out += t),
    );
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(out).toContain('evil\\x1b]0;owned\\x07\\x1b[2J\\x1b[1A');
    expect(out).toContain('CSI\\x9b31m red\\x0dover tab');
    expect(out).toContain('second line\\u2028');
  });

  it('leaves printable text, and json and csv, as they are', () => {
    expect(visibleControls('naïve — 名前 ✓')).toBe('naïve — 名前 ✓');
    let json = '';
    writeRows(
      'json',
      [{ header: 'name', value: (r: typeof hostile) => r.name }],
      [hostile],
      (t) => (json += t),
    );
    expect((JSON.parse(json) as (typeof hostile)[])[0]).toEqual(hostile);
  });
});
