import { describe, expect, it } from 'vitest';
import { KeptLog } from '../../web/src/build/kept-log.ts';
import { LOG_KEEP_LINES, LOG_MAX_LINES } from '../../web/src/build/log-window.ts';
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

describe('KeptLog', () => {
  const lines = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');
  const bytes = (text: string) => new TextEncoder().encode(text).length;

  it('drops the oldest lines past the limit, counting their bytes; lines read back raise it', () => {
    const log = new KeptLog();
    log.start(100, lines(0, 10));
    expect(log.skipped).toBe(100);
    log.add(lines(10, LOG_MAX_LINES));
    expect(log.buffer.length).toBe(LOG_MAX_LINES);
    // One line past the limit: the oldest go, down to LOG_KEEP_LINES.
    log.add(lines(LOG_MAX_LINES, LOG_MAX_LINES + 1));
    const dropped = LOG_MAX_LINES + 1 - LOG_KEEP_LINES;
    expect(log.buffer.length).toBe(LOG_KEEP_LINES);
    expect(log.skipped).toBe(100 + bytes(lines(0, dropped)));
    expect(log.buffer.lines()[0]?.text).toBe(`line ${dropped}`);
    // Read back: the window before goes in front, and those lines are kept on top of the limit.
    log.addEarlier({
      text: lines(dropped - 5, dropped),
      from: log.skipped - bytes(lines(dropped - 5, dropped)),
    });
    expect(log.buffer.lines()[0]?.text).toBe(`line ${dropped - 5}`);
    log.add(lines(LOG_MAX_LINES + 1, LOG_MAX_LINES + 1 + (LOG_MAX_LINES - LOG_KEEP_LINES)));
    expect(log.buffer.length).toBe(LOG_MAX_LINES + 5);
    expect(log.buffer.lines()[0]?.text).toBe(`line ${dropped - 5}`);
  });
});
