import { describe, expect, it } from 'vitest';
import { csvField, writeRows } from '../../src/cli/output.ts';

/** CSV cells: RFC 4180 quoting, and text a spreadsheet would run as a formula kept as text (OWASP). */
describe('csvField', () => {
  it('prefixes text starting with = + - @ tab or CR with a single quote', () => {
    expect(csvField('=HYPERLINK("http://x.test","click")')).toBe(
      `"'=HYPERLINK(""http://x.test"",""click"")"`,
    );
    expect(csvField('+1+cmd|calc')).toBe(`'+1+cmd|calc`);
    expect(csvField('-2+3')).toBe(`'-2+3`);
    expect(csvField('@SUM(A1:A9)')).toBe(`'@SUM(A1:A9)`);
    expect(csvField('\t=1')).toBe(`'\t=1`);
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
  });

  it('leaves other text and numbers as they are', () => {
    expect(csvField('main')).toBe('main');
    expect(csvField('fix: a = b')).toBe('fix: a = b');
    expect(csvField(-1)).toBe('-1');
    expect(csvField(0)).toBe('0');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField("'already")).toBe("'already");
  });

  it('still quotes commas, quotes and line breaks', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('guards every cell of a written row', () => {
    let out = '';
    writeRows(
      'csv',
      [
        { header: 'n', value: (r: { n: number; branch: string }) => r.n },
        { header: 'branch', value: (r) => r.branch },
      ],
      [{ n: -5, branch: '=cmd|" /C calc"!A0' }],
      (t) => (out += t),
    );
    expect(out).toBe(`n,branch\r\n-5,"'=cmd|"" /C calc""!A0"\r\n`);
  });
});
