import { isUtf8 } from 'node:buffer';

/** U+FFFD REPLACEMENT CHARACTER in UTF-8. */
const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);
const EMPTY = Buffer.alloc(0);

/**
 * Makes a byte stream valid UTF-8: each invalid sequence becomes U+FFFD exactly as TextDecoder and
 * `Buffer.toString('utf8')` replace it (the WHATWG decoder's "maximal subpart": a lead byte and
 * the continuation bytes that still fit it make one U+FFFD, a byte that cannot start or continue a
 * character makes one of its own). A log is stored and paged by byte offsets that readers count in
 * the decoded text, so the stored bytes must decode to as many bytes as they are. The stream may be
 * cut anywhere: a character split between two pieces is held back (at most 3 bytes) until the next
 * piece completes or breaks it, and `end` turns a sequence the output never finished into U+FFFD.
 */
export class Utf8Sanitizer {
  /** The start of an unfinished character from the end of the last piece. */
  private held: Buffer = EMPTY;

  /** The piece's bytes that are decided, valid UTF-8. */
  push(data: Buffer): Buffer {
    if (this.held.length === 0 && isUtf8(data)) return data;
    const text = this.held.length === 0 ? data : Buffer.concat([this.held, data]);
    // Most pieces that are not valid as a whole are valid text cut in a character (a pipe's 64 KiB
    // cut CJK text or emoji two times in three): checked natively too, not byte by byte in JS.
    const cut = unfinishedStart(text);
    if (isUtf8(text.subarray(0, cut))) {
      this.held = copyOf(text.subarray(cut));
      return text.subarray(0, cut);
    }
    const { out, rest } = sanitize(text);
    this.held = rest;
    return out;
  }

  /** What is held back, at the end of the output: an unfinished character is a U+FFFD. */
  end(): Buffer {
    const unfinished = this.held.length > 0;
    this.held = EMPTY;
    return unfinished ? REPLACEMENT : EMPTY;
  }
}

/**
 * The WHATWG UTF-8 decoder over bytes, copying valid runs as they are: `out` is the valid UTF-8 for
 * all of `text` but `rest`, the start of a character that its end cut.
 */
function sanitize(text: Buffer): { out: Buffer; rest: Buffer } {
  const parts: Buffer[] = [];
  /** Start of the bytes not yet in `parts`, all valid so far. */
  let from = 0;
  /** Start of the character being read, and how many more bytes it needs. */
  let start = 0;
  let needed = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let i = 0;
  while (i < text.length) {
    const byte = text[i] as number;
    if (needed === 0) {
      start = i;
      if (byte <= 0x7f) needed = 0;
      else if (byte >= 0xc2 && byte <= 0xdf) needed = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        needed = 2;
        if (byte === 0xe0) lower = 0xa0; // overlong
        if (byte === 0xed) upper = 0x9f; // surrogates
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        needed = 3;
        if (byte === 0xf0) lower = 0x90; // overlong
        if (byte === 0xf4) upper = 0x8f; // past U+10FFFF
      } else {
        // A continuation byte with no lead, or a byte UTF-8 never uses (C0, C1, F5..FF).
        parts.push(text.subarray(from, i), REPLACEMENT);
        from = i + 1;
      }
      i++;
    } else if (byte < lower || byte > upper) {
      // The character breaks off: what was read of it is one U+FFFD, and this byte is read again.
      parts.push(text.subarray(from, start), REPLACEMENT);
      from = i;
      needed = 0;
      lower = 0x80;
      upper = 0xbf;
    } else {
      lower = 0x80;
      upper = 0xbf;
      needed--;
      i++;
    }
  }
  const end = needed === 0 ? text.length : start;
  if (parts.length === 0) return { out: text.subarray(0, end), rest: copyOf(text.subarray(end)) };
  parts.push(text.subarray(from, end));
  return { out: Buffer.concat(parts), rest: copyOf(text.subarray(end)) };
}

/**
 * Where the unfinished character that `text` ends with starts (the start of a valid sequence its end
 * cuts), or `text.length` when it ends with none.
 */
function unfinishedStart(text: Buffer): number {
  for (let back = 1; back <= Math.min(3, text.length); back++) {
    if (((text[text.length - back] as number) & 0xc0) === 0x80) continue;
    const { out, rest } = sanitize(text.subarray(text.length - back));
    return out.length === 0 && rest.length === back ? text.length - back : text.length;
  }
  return text.length;
}

/** A small copy, so the rest held back does not keep the caller's whole piece alive. */
function copyOf(bytes: Buffer): Buffer {
  return bytes.length === 0 ? EMPTY : Buffer.from(bytes);
}
