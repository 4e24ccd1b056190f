import { describe, expect, it } from 'vitest';
import type { LogChunk, RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { BuildOutput } from '../../src/runner/build-output.ts';
import { LogStreamer } from '../../src/runner/log-streamer.ts';
import { SecretMasker } from '../../src/runner/secret-masker.ts';

/** A BuildOutput over a real LogStreamer whose server keeps the log's bytes. */
function output(secrets: string[] = []) {
  let log = Buffer.alloc(0);
  const peer = {
    async log(_recordId: string, chunk: LogChunk) {
      expect(chunk.offset).toBe(log.length);
      log = Buffer.concat([log, Buffer.from(chunk.data)]);
      return log.length;
    },
  } as unknown as RunnerPeer;
  const streamer = new LogStreamer(peer, 'r', { maxBytes: 1 << 20 });
  const out = new BuildOutput(streamer, new SecretMasker(secrets));
  const stored = async () => {
    await streamer.flush();
    expect(streamer.offset).toBe(log.length);
    return log;
  };
  return { out, stored };
}

describe('BuildOutput', () => {
  it('stores invalid UTF-8 as U+FFFD, and a character split over two writes whole', async () => {
    const { out, stored } = output();
    const emoji = Buffer.from('😀');
    out.write(Buffer.from([0xff, 0xfe, 0x20, 0x6f, 0x6b, 0x20, ...emoji.subarray(0, 2)]));
    out.write(Buffer.concat([emoji.subarray(2), Buffer.from([0x0a, 0xc3, 0x28, 0x0a])]));
    out.end();
    const log = await stored();
    expect(log.toString('utf8')).toBe('\uFFFD\uFFFD ok 😀\n\uFFFD(\n');
    // The stored bytes are the decoded text's: offsets counted in the text are offsets in the store.
    expect(Buffer.from(log.toString('utf8')).equals(log)).toBe(true);
  });

  it("ends a process's cut last character as U+FFFD, before Kiln's line, which starts a line of its own", async () => {
    const { out, stored } = output();
    out.write(Buffer.from([0x6f, 0x6b, 0xe2, 0x82]));
    out.line('step s ended: SUCCESS');
    expect(await stored()).toEqual(Buffer.from('ok\uFFFD\n[kiln] step s ended: SUCCESS\n'));
  });

  it('masks a sensitive value that holds U+FFFD where the output has invalid bytes in its place', async () => {
    const { out, stored } = output(['pass\uFFFDword']);
    out.write(Buffer.from([...Buffer.from('key=pass'), 0xff]));
    out.write(Buffer.from('word\n'));
    out.end();
    expect((await stored()).toString('utf8')).toBe('key=******\n');
  });

  it("lets out a last line that could have begun a value when the process ends, and Kiln's line after it on its own", async () => {
    const { out, stored } = output(['secretvalue']);
    out.write(Buffer.from('words\nsec'));
    out.end();
    out.line('step s ended: SUCCESS');
    expect((await stored()).toString('utf8')).toBe('words\nsec\n[kiln] step s ended: SUCCESS\n');
  });
});
