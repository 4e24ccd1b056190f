import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskUrlCredentials, urlCredentials } from '../../src/domain/url-credentials.ts';
import { maskSecretText } from '../../src/domain/secret-text.ts';
import { SecretMasker } from '../../src/runner/secret-masker.ts';

/** What the masker shows for `pieces`, pushed one after the other. */
function run(values: string[], pieces: Buffer[]): string {
  const masker = new SecretMasker(values);
  const out = pieces.map((p) => masker.push(p));
  out.push(masker.end());
  return Buffer.concat(out).toString('utf8');
}

/** `text` cut at `cuts` (byte offsets, any order). */
function cut(text: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts)].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    pieces.push(text.subarray(from, c));
    from = c;
  }
  pieces.push(text.subarray(from));
  return pieces;
}

/** Checks that every way of cutting `text` in two (and one byte at a time) gives `expected`. */
function expectSameCutAnywhere(values: string[], text: string, expected: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i <= bytes.length; i++) expect(run(values, cut(bytes, [i])), `cut at ${i}`).toBe(expected);
  expect(run(values, cut(bytes, [...bytes.keys()]))).toBe(expected);
}

describe('URL credentials in the output', () => {
  it('masks a token given as the user name, wherever the output is cut', () => {
    expectSameCutAnywhere(
      [],
      "fatal: unable to access 'https://ghp_tok3n@git.example.com/o/r.git/': 403\n",
      "fatal: unable to access 'https://******@git.example.com/o/r.git/': 403\n",
    );
  });

  it('masks user:password, keeps git@ and URLs without userinfo', () => {
    expectSameCutAnywhere(
      [],
      'a http://u:p@ss@h:1/x b ssh://git@h/r c https://h/a@b d x://y@z',
      'a http://******@h:1/x b ssh://git@h/r c https://h/a@b d x://******@z',
    );
  });

  it('masks a URL that ends the output or a step', () => {
    expect(run([], [Buffer.from('remote: https://tok'), Buffer.from('en@host')])).toBe(
      'remote: https://******@host',
    );
  });

  it('holds back only what could still become a URL with credentials', () => {
    const masker = new SecretMasker([]);
    expect(masker.push(Buffer.from('progress 40%')).toString()).toBe('progress 40%');
    expect(masker.push(Buffer.from('see https://tok')).toString()).toBe('see https');
    expect(masker.push(Buffer.from('en@host/r and more')).toString()).toBe('://******@host/r and more');
    expect(masker.push(Buffer.from('next http:')).toString()).toBe('next http');
    expect(masker.end().toString()).toBe(':');
  });

  it('lets an authority longer than it looks ahead go (it holds no more than that)', () => {
    const masker = new SecretMasker([]);
    const long = `x://${'a'.repeat(5000)}`;
    expect(masker.push(Buffer.from(long)).toString()).toBe(long);
  });
});

describe('exact values', () => {
  it('masks a value cut anywhere, and the credentials urlCredentials lists', () => {
    const values = ['topsecret-value', ...urlCredentials('https://alice:pa55word@host/r')];
    expectSameCutAnywhere(
      values,
      'v=topsecret-value; printed pa55word alone; url alice:pa55word\n',
      'v=******; printed ****** alone; url ******\n',
    );
  });

  it('hides every byte of overlapping values', () => {
    expectSameCutAnywhere(['abcdef', 'defxyz'], '1abcdefxyz2', '1******2');
    expectSameCutAnywhere(['abcdef', 'cde'], '<abcdeX>', '<ab******X>');
  });

  it('does not mask values shorter than three characters', () => {
    expect(run(['ab', ''], [Buffer.from('ab cd')])).toBe('ab cd');
  });
});

describe('any cut of any output (property)', () => {
  const secrets = ['s3cret', 'tok-99', 'ab1ab'];
  const fragments = [
    ...secrets,
    'https://',
    'x://',
    ':',
    '/',
    '//',
    '@',
    'git',
    'u:p',
    'host',
    'ab',
    ' ',
    '\n',
    "'",
    'é',
    '字',
    '*',
  ];
  const output = fc
    .array(fc.constantFrom(...fragments), { maxLength: 30 })
    .map((parts) => Buffer.from(parts.join(''), 'utf8'));

  it('gives the same result however the output is cut, and shows no secret', () => {
    fc.assert(
      fc.property(output, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const whole = run(secrets, [bytes]);
        const pieces = cut(
          bytes,
          cuts.map((c) => c % (bytes.length + 1)),
        );
        expect(run(secrets, pieces)).toBe(whole);
        for (const s of secrets) expect(whole).not.toContain(s);
        expect(maskUrlCredentials(whole)).toBe(whole);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same result cut at every single position', () => {
    fc.assert(
      fc.property(output, (bytes) => {
        const whole = run(secrets, [bytes]);
        for (let i = 0; i <= bytes.length; i++) expect(run(secrets, cut(bytes, [i]))).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('with secrets of its own drawing (overlapping, repeating, URL-like), any cuts give the same and show none', () => {
    const secret = fc
      .array(fc.constantFrom('a', 'b', ':', '@', '/', 'é'), { minLength: 3, maxLength: 6 })
      .map((chars) => chars.join(''));
    const cases = fc.array(secret, { minLength: 1, maxLength: 3 }).chain((values) =>
      fc.record({
        values: fc.constant(values),
        text: fc
          .array(fc.constantFrom(...values, 'a', 'b', 'x', '://', '@', ' '), { maxLength: 20 })
          .map((parts) => Buffer.from(parts.join(''), 'utf8')),
        cuts: fc.array(fc.nat(), { maxLength: 6 }),
      }),
    );
    fc.assert(
      fc.property(cases, ({ values, text, cuts }) => {
        const whole = run(values, [text]);
        expect(
          run(
            values,
            cut(
              text,
              cuts.map((c) => c % (text.length + 1)),
            ),
          ),
        ).toBe(whole);
        for (const v of values) expect(whole).not.toContain(v);
      }),
      { numRuns: 1000, seed: 20261204 },
    );
  });
});

describe('a text kept apart from the log (a step name)', () => {
  it('is masked as the log masks it', () => {
    expect(maskSecretText('deploy s3cr3t to https://u:pw@host/x', ['s3cr3t', 'ab'])).toBe(
      'deploy ****** to https://******@host/x',
    );
    const secret = fc
      .array(fc.constantFrom('a', 'b', ':', '@', '/', 'é'), { minLength: 1, maxLength: 6 })
      .map((chars) => chars.join(''));
    const cases = fc.array(secret, { minLength: 1, maxLength: 3 }).chain((values) =>
      fc.record({
        values: fc.constant(values),
        text: fc
          .array(fc.constantFrom(...values, 'a', 'b', 'x', '://', '@', ' '), { maxLength: 20 })
          .map((parts) => parts.join('')),
      }),
    );
    fc.assert(
      fc.property(cases, ({ values, text }) => {
        expect(maskSecretText(text, values)).toBe(run(values, [Buffer.from(text, 'utf8')]));
      }),
      { numRuns: 1000, seed: 20261206 },
    );
  });
});
