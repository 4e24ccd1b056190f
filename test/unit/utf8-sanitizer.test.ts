import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Sanitizer } from '../../src/runner/utf8-sanitizer.ts';

/** What the sanitiser lets out for `pieces`, pushed one after the other, then its end. */
function run(pieces: Uint8Array[]): Buffer {
  const sanitizer = new Utf8Sanitizer();
  const out = pieces.map((p) => sanitizer.push(Buffer.from(p)));
  out.push(sanitizer.end());
  return Buffer.concat(out);
}

/**
 * What TextDecoder makes of the whole, as UTF-8 bytes. A byte order mark is text the output
 * printed, kept as `Buffer.toString` keeps it (TextDecoder drops one at the start by default).
 */
function decoded(bytes: Uint8Array): Buffer {
  return Buffer.from(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), 'utf8');
}

/** `bytes` cut at `cuts` (byte offsets, any order, repeats give empty pieces). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const c of at) {
    pieces.push(bytes.subarray(from, c));
    from = c;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

/** Bytes weighted toward what UTF-8 decoding turns on: leads, continuations, edge values. */
const utf8ishByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0x80, max: 0xbf }),
  fc.constantFrom(0x41, 0x0a, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
  fc.constantFrom(0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf),
);

describe('Utf8Sanitizer', () => {
  it('gives what TextDecoder gives for the whole, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(utf8ishByte, { maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (random, weighted, cuts) => {
          for (const bytes of [random, Uint8Array.from(weighted)]) {
            expect(run(cut(bytes, cuts))).toEqual(decoded(bytes));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives the same one byte at a time, for text that mixes every kind of sequence', () => {
    const bytes = Buffer.concat([
      Buffer.from('a é € 😀 '),
      Buffer.from([0xff, 0xfe, 0x20, 0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90]),
      Buffer.from([0x80, 0x80, 0xf0, 0x9f, 0x98, 0x41, 0xe2, 0x82, 0x0a, 0x80, 0xbf, 0xf0]),
    ]);
    const oneByOne = [...bytes].map((b) => Uint8Array.of(b));
    expect(run(oneByOne)).toEqual(decoded(bytes));
    expect(run([bytes])).toEqual(decoded(bytes));
  });

  it('keeps a byte order mark the output printed, whole or cut', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(run([bom, Buffer.from('x')])).toEqual(Buffer.concat([bom, Buffer.from('x')]));
    expect(run([bom.subarray(0, 1), bom.subarray(1)])).toEqual(bom);
  });

  it('keeps a 4-byte emoji split over two writes whole', () => {
    const emoji = Buffer.from('😀');
    const sanitizer = new Utf8Sanitizer();
    for (let at = 1; at < 4; at++) {
      const first = sanitizer.push(Buffer.concat([Buffer.from('x'), emoji.subarray(0, at)]));
      const second = sanitizer.push(Buffer.concat([emoji.subarray(at), Buffer.from('y')]));
      expect(first.toString('utf8')).toBe('x');
      expect(second.toString('utf8')).toBe('😀y');
    }
    expect(sanitizer.end()).toEqual(Buffer.alloc(0));
  });

  it('replaces each lone continuation byte, and bytes UTF-8 never uses, by one U+FFFD', () => {
    expect(run([Buffer.from([0x80, 0x41, 0xbf, 0xbf, 0xfe, 0xff, 0xf5])]).toString('utf8')).toBe(
      '\uFFFDA\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD',
    );
  });

  it('replaces overlong forms and surrogates byte by byte, as the maximal subpart rule says', () => {
    // C0 AF: "/" in 2 bytes; E0 80 AF: in 3; F0 80 80 AF: in 4; ED A0 80: U+D800; F4 90 80 80: past U+10FFFF.
    for (const bytes of [
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xf0, 0x80, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      expect(run([Buffer.from(bytes)]).toString('utf8')).toBe('\uFFFD'.repeat(bytes.length));
    }
    // A lead and the continuations that still fit it are one U+FFFD; the byte that breaks it is read again.
    expect(run([Buffer.from([0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98, 0xe2, 0x82, 0xac])]).toString('utf8')).toBe(
      '\uFFFDA\uFFFD€',
    );
  });

  it('holds back a sequence cut at the end of a write, and makes it U+FFFD when the output ends', () => {
    const sanitizer = new Utf8Sanitizer();
    expect(sanitizer.push(Buffer.from([0x6f, 0x6b, 0xf0, 0x9f, 0x98])).toString('utf8')).toBe('ok');
    expect(sanitizer.end().toString('utf8')).toBe('\uFFFD');
    // The next process's output starts afresh.
    expect(sanitizer.push(Buffer.from([0x80, 0x41])).toString('utf8')).toBe('\uFFFDA');
    expect(sanitizer.end()).toEqual(Buffer.alloc(0));
  });

  it('tells a piece cut in a valid character from one that ends with a broken start', () => {
    // Each piece's end: valid text cut in a character is held; a start no character can have
    // (an overlong E0 80, F4 90 past U+10FFFF, a surrogate's ED A0) is decided at once.
    const cases: [number[], string, number[]][] = [
      [[0x61, 0xe6, 0x97], 'a', [0xa5]],
      [[0x61, 0xe0, 0x80], 'a\uFFFD\uFFFD', [0x62]],
      [[0x61, 0xf4, 0x90], 'a\uFFFD\uFFFD', [0x62]],
      [[0x61, 0xed, 0xa0], 'a\uFFFD\uFFFD', [0x62]],
      [[0xff, 0x61, 0xf0, 0x9f], '\uFFFDa', [0x98, 0x80]],
      [[0x80, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD', [0x62]],
    ];
    for (const [first, shown, next] of cases) {
      const sanitizer = new Utf8Sanitizer();
      expect(sanitizer.push(Buffer.from(first)).toString('utf8')).toBe(shown);
      const rest = Buffer.concat([sanitizer.push(Buffer.from(next)), sanitizer.end()]);
      expect(shown + rest.toString('utf8')).toBe(new TextDecoder().decode(Buffer.from([...first, ...next])));
    }
  });

  it('lets valid output through as the same buffer', () => {
    const data = Buffer.from('plain text ✓\n');
    expect(new Utf8Sanitizer().push(data)).toBe(data);
  });
});
