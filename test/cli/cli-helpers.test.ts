import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineParts } from '../../src/cli/line-parts.ts';
import { describeFailure } from '../../src/cli/program.ts';
import { ApiError } from '../../src/client/api-error.ts';
import { join, resolve } from 'node:path';
import { artifactPath } from '../../src/cli/artifact-files.ts';
import { importSummary, progressLine, ProgressLine, transferLine } from '../../src/cli/progress.ts';
import { parseWindowTime, wallClockIn, wallClockUtc } from '../../src/cli/time-args.ts';

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return Buffer.from(await new Response(stream).arrayBuffer()).toString();
}

/** Cuts `input`, delivered in `chunks`-byte pieces, and returns each part's first line and text. */
async function cut(input: string, linesPerPart: number, chunk: number) {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) pieces.push(Buffer.from(input.slice(i, i + chunk)));
  const parts = new LineParts(Readable.from(pieces), linesPerPart);
  const out: Array<[number, string]> = [];
  while (await parts.hasMore()) {
    const part = parts.next();
    out.push([part.firstLine, await text(part.body)]);
  }
  return { out, lines: parts.lines, bytes: parts.bytes };
}

describe('LineParts', () => {
  it('cuts at line ends whatever the chunking, numbering every line (blank ones too)', async () => {
    const input = 'a\nbb\n\nccc\nd\ne\n';
    for (const chunk of [1, 2, 3, 5, 100]) {
      const { out, lines, bytes } = await cut(input, 2, chunk);
      expect(out).toEqual([
        [1, 'a\nbb\n'],
        [3, '\nccc\n'],
        [5, 'd\ne\n'],
      ]);
      expect([lines, bytes]).toEqual([6, input.length]);
    }
  });

  it('counts a last line without a line end, and sends nothing for empty input', async () => {
    expect(await cut('a\nb\nc', 2, 3)).toEqual({
      out: [
        [1, 'a\nb\n'],
        [3, 'c'],
      ],
      lines: 3,
      bytes: 5,
    });
    expect(await cut('', 2, 3)).toEqual({ out: [], lines: 0, bytes: 0 });
  });
});

describe('time arguments', () => {
  it('takes a time or a date, widening a date to the whole day', () => {
    expect(parseWindowTime('2024-03-02 10:20:30', 'start')).toBe('2024-03-02 10:20:30');
    expect(parseWindowTime('2024-03-02T10:20:30', 'end')).toBe('2024-03-02 10:20:30');
    expect(parseWindowTime('2024-02-29', 'start')).toBe('2024-02-29 00:00:00');
    expect(parseWindowTime('2024-02-29', 'end')).toBe('2024-02-29 23:59:59');
  });

  it('refuses what is not a real calendar time', () => {
    for (const bad of [
      '2023-02-29',
      '2024-13-01',
      '2024-03-02 24:00:00',
      '2024-3-2',
      'yesterday',
      '1969-12-31',
    ])
      expect(() => parseWindowTime(bad, 'start')).toThrow(/not a (real calendar )?time/);
  });

  it('writes an instant as a UTC wall clock', () => {
    expect(wallClockUtc(Date.UTC(2024, 0, 5, 3, 4, 5, 999))).toBe('2024-01-05 03:04:05');
  });

  it("writes an instant as a zone's wall clock, midnight as 00 and UTC for an unknown zone", () => {
    const t = Date.UTC(2024, 0, 5, 23, 4, 5);
    expect(wallClockIn(t, 'Asia/Shanghai')).toBe('2024-01-06 07:04:05');
    expect(wallClockIn(t, 'America/New_York')).toBe('2024-01-05 18:04:05');
    expect(wallClockIn(Date.UTC(2024, 0, 5, 16, 0, 0), 'Asia/Shanghai')).toBe('2024-01-06 00:00:00');
    expect(wallClockIn(t, 'Mars/Olympus')).toBe('2024-01-05 23:04:05');
  });
});

describe('progress and summaries', () => {
  it('says what the server confirmed, with a bar only when the size is known', () => {
    const t = {
      lines: 40_000,
      imported: 39_000,
      skipped: 1_000,
      unfinished: 0,
      elapsedMs: 2_000,
      bytes: 50,
      totalBytes: 100,
    };
    expect(progressLine(t)).toBe(
      '[##########----------]  50% 40,000 lines sent: 39,000 imported, 1,000 skipped, 20,000 lines/s',
    );
    expect(progressLine({ ...t, totalBytes: undefined })).toBe(
      '40,000 lines sent: 39,000 imported, 1,000 skipped, 20,000 lines/s',
    );
    expect(importSummary(t)).toBe('imported 39,000, skipped 1,000 (already present) in 2.0s');
    expect(importSummary({ ...t, unfinished: 2 })).toBe(
      'imported 39,000, skipped 1,000 (already present), left out 2 not finished (import again once they are) in 2.0s',
    );
  });

  it('redraws one line on a terminal and draws nothing elsewhere', () => {
    const written: string[] = [];
    const line = new ProgressLine((s) => written.push(s), true);
    line.update('one');
    line.update('two');
    line.done();
    expect(written.join('')).toBe('\r\x1b[2Kone\r\x1b[2Ktwo\n');
    const quiet: string[] = [];
    const off = new ProgressLine((s) => quiet.push(s), false);
    off.update('one');
    off.done();
    expect(quiet).toEqual([]);
  });
});

describe('artifact downloads', () => {
  it('draws a download: name, bar, bytes of the whole, and the rate of what this run received', () => {
    const t = {
      label: 'app.jar',
      bytes: 1024 * 1024,
      totalBytes: 4 * 1024 * 1024,
      received: 512 * 1024,
      elapsedMs: 500,
    };
    expect(transferLine(t)).toBe('app.jar [#####---------------]  25% 1.0 MiB of 4.0 MiB, 1.0 MiB/s');
    expect(transferLine({ ...t, totalBytes: undefined })).toBe('app.jar 1.0 MiB, 1.0 MiB/s');
  });

  it('puts an artifact in the directory, and refuses a name that would land elsewhere', () => {
    expect(artifactPath('out', 'app.jar')).toBe(resolve('out', 'app.jar'));
    expect(artifactPath('out', '..app.jar')).toBe(resolve('out', '..app.jar'));
    for (const name of ['../app.jar', '/etc/passwd', 'sub/app.jar', '..', '.', '', 'a\\b', 'bell\u0007'])
      expect(() => artifactPath('out', name), JSON.stringify(name)).toThrow(/^refusing to write artifact /);
    expect(() => artifactPath(join('a', 'b'), '../../x')).toThrow('has a directory part');
  });
});

describe('failure hints', () => {
  const unauthorized = new ApiError(401, 'CB.00060401', 'the token is not valid', 'r1');
  const hint = (how: Parameters<typeof describeFailure>[1]) => describeFailure(unauthorized, how).message;

  it('name the real cause of a 401 for the way the command signed in', () => {
    expect(hint({ command: 'login', env: {} })).toBe(
      'the token is not valid (check the user name, the password and --domain) [request r1]',
    );
    expect(hint({ command: 'builds', env: { KILN_AK: 'ak', KILN_SK: 'sk' } })).toContain(
      'check KILN_AK and KILN_SK: the access key is unknown or disabled, or its secret is wrong',
    );
    expect(hint({ command: 'builds', env: { KILN_TOKEN: 't' } })).toContain(
      'KILN_TOKEN has expired or was revoked',
    );
    expect(hint({ command: 'builds', env: {} })).toContain('log in again with `kiln login`');
  });
});
