import { describe, expect, it } from 'vitest';
import { LogBuffer } from '../../web/src/lib/log-buffer.ts';

/**
 * What a long log keeps (web/src/build/log-window.ts, LOG_MAX_LINES): the bytes dropped must be the
 * log's UTF-8 bytes exactly, since the lines before are read back from that offset.
 */

describe('LogBuffer.dropFirst', () => {
  it('counts UTF-8 bytes and line ends, and keeps line numbers', () => {
    const b = new LogBuffer();
    b.append('é1\r\n😀2\n');
    b.append('plain\npart');
    expect(b.dropFirst(2)).toBe(new TextEncoder().encode('é1\r\n😀2\n').length);
    expect(b.dropped).toBe(2);
    expect(b.lines().map((l) => l.text)).toEqual(['plain', 'part']);
    // The unfinished last line is never dropped.
    expect(b.dropFirst(5)).toBe(6);
    expect(b.lines().map((l) => l.text)).toEqual(['part']);
    // Lines read back are the ones dropped last: the numbering starts lower again.
    b.prepend('plain\n');
    expect(b.dropped).toBe(2);
    expect(b.dropFirst(1)).toBe(6);
  });
});
