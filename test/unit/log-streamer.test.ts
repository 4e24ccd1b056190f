import { describe, expect, it } from 'vitest';
import {
  LeaseLostError,
  LogGapError,
  type LogChunk,
  type RunnerPeer,
} from '../../src/protocol/runner-protocol.ts';
import { LogStreamer } from '../../src/runner/log-streamer.ts';

/** A server that holds its answers to log() until the test opens the gate. */
function gatedServer() {
  let log = Buffer.alloc(0);
  let open = () => {};
  const gate = new Promise<void>((go) => (open = go));
  let reached = () => {};
  const called = new Promise<void>((r) => (reached = r));
  const peer = {
    async log(_recordId: string, chunk: LogChunk) {
      reached();
      await gate;
      expect(chunk.offset).toBe(log.length);
      log = Buffer.concat([log, Buffer.from(chunk.data)]);
      return log.length;
    },
  } as unknown as RunnerPeer;
  return { peer, called, open, text: () => log.toString() };
}

it('keeps output written while a chunk is on its way, and sends it next', async () => {
  const server = gatedServer();
  const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 1 << 20 });
  streamer.write(Buffer.from('one\n'));
  const sent = streamer.flush();
  await server.called;
  streamer.write(Buffer.from('two\n'));
  streamer.write(Buffer.from('three\n'));
  server.open();
  await sent;
  await streamer.flush();
  expect(server.text()).toBe('one\ntwo\nthree\n');
  expect(streamer.offset).toBe(server.text().length);
});

/**
 * A stand-in for the server's side of log(): it stores chunks at their offsets as the server does
 * (a resent chunk is acknowledged, a hole is refused with the size it has) and can be told to fail
 * the next calls in the ways a real network fails.
 */
function storingServer() {
  let log = Buffer.alloc(0);
  const calls: { offset: number; bytes: number }[] = [];
  const faults: ('down' | 'lost-answer' | 'lease-lost')[] = [];
  const peer = {
    async log(recordId: string, chunk: LogChunk) {
      calls.push({ offset: chunk.offset, bytes: chunk.data.length });
      const fault = faults.shift();
      if (fault === 'down') throw new Error('ECONNREFUSED');
      if (fault === 'lease-lost') throw new LeaseLostError(recordId);
      // As the log store does: the next bytes are appended, a resent chunk is acknowledged, and a
      // chunk that would leave a hole or overlap the end is refused with the size the log has.
      if (chunk.offset === log.length) log = Buffer.concat([log, Buffer.from(chunk.data)]);
      else if (chunk.offset + chunk.data.length > log.length) throw new LogGapError(log.length);
      // The server stored the chunk but its answer never arrived.
      if (fault === 'lost-answer') throw new Error('socket hang up');
      return log.length;
    },
  } as unknown as RunnerPeer;
  return { peer, calls, faults, text: () => log.toString() };
}

describe('LogStreamer', () => {
  it('sends output in ordered chunks of at most chunkBytes, each at the offset the last one ended', async () => {
    const server = storingServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 1 << 20, chunkBytes: 4 });
    streamer.write(Buffer.from('abcdefghij'));
    await streamer.flush();
    expect(server.text()).toBe('abcdefghij');
    expect(server.calls).toEqual([
      { offset: 0, bytes: 4 },
      { offset: 4, bytes: 4 },
      { offset: 8, bytes: 2 },
    ]);
  });

  it('ends a chunk before a character chunkBytes would cut, so a log left at any chunk is whole characters', async () => {
    const server = storingServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 1 << 20, chunkBytes: 4 });
    // 😀 is 4 bytes, € 3, é 2: every chunk of 4 would cut one.
    const text = 'a😀b€cé😀';
    streamer.write(Buffer.from(text));
    await streamer.flush();
    expect(server.text()).toBe(text);
    expect(server.calls.map((c) => c.bytes)).toEqual([1, 4, 4, 3, 4]);
  });

  it('retries through an outage and a lost answer without losing or doubling a byte', async () => {
    const server = storingServer();
    const errors: unknown[] = [];
    const streamer = new LogStreamer(server.peer, 'r', {
      maxBytes: 1 << 20,
      onError: (e) => errors.push(e),
    });
    server.faults.push('down', 'lost-answer');
    streamer.write(Buffer.from('one\n'));
    await streamer.flush();
    streamer.write(Buffer.from('two\n'));
    await streamer.flush();
    expect(server.text()).toBe('one\ntwo\n');
    // Transient failures are retried (domain/retry.ts), not reported as errors.
    expect(errors).toHaveLength(0);
    expect(streamer.offset).toBe(8);
  });

  it('resends the same chunk after a lost answer, which the server acknowledges once', async () => {
    const server = storingServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 1 << 20, chunkBytes: 4 });
    server.faults.push('lost-answer');
    streamer.write(Buffer.from('ab'));
    const sent = streamer.flush();
    while (server.calls.length === 0) await new Promise((r) => setImmediate(r));
    // Written while the streamer waits to retry: it goes in the next chunk, after the resent "ab".
    streamer.write(Buffer.from('cdef'));
    await sent;
    await streamer.flush();
    expect(server.text()).toBe('abcdef');
    expect(server.calls).toEqual([
      { offset: 0, bytes: 2 },
      { offset: 0, bytes: 2 },
      { offset: 2, bytes: 4 },
    ]);
  });

  it('cuts the log at the last line end that fits, says so, counts the rest, and keeps its own lines', async () => {
    const server = storingServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 8 });
    streamer.write(Buffer.from('ab\nc'));
    streamer.write(Buffer.from('d\nefgh'));
    streamer.write(Buffer.from('ignored'));
    streamer.writeOwn(Buffer.from('[kiln] build finished: SUCCESS\n'));
    await streamer.flush();
    // 'ab\ncd\nef' would fit, but 'ef' is half a line: the cut is after 'cd\n'.
    expect(server.text()).toBe(
      'ab\ncd\n[kiln] the log reached 8 bytes (KILN_LOG_MAX_BYTES); further output is not kept, the build goes on\n' +
        '[kiln] build finished: SUCCESS\n',
    );
    expect(streamer.dropped).toBe('efgh'.length + 'ignored'.length);
    expect(streamer.offset).toBe(server.text().length);
    // Its own lines have a little room past the cap, not more.
    streamer.writeOwn(Buffer.from('x'.repeat(5_000)));
    await streamer.flush();
    expect(server.text()).not.toContain('xxx');
  });

  it('starts the cut notice on a line of its own when the kept output ends mid-line', async () => {
    const server = storingServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 5 });
    streamer.write(Buffer.from('abc'));
    streamer.write(Buffer.from('defgh'));
    await streamer.flush();
    expect(server.text()).toMatch(/^abc\n\[kiln\] the log reached 5 bytes \(KILN_LOG_MAX_BYTES\)/);
  });

  it('stops for good once the build is no longer the runner’s', async () => {
    const server = storingServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 1 << 20 });
    server.faults.push('lease-lost');
    streamer.write(Buffer.from('one'));
    await streamer.flush();
    expect(streamer.leaseLost).toBe(true);
    streamer.write(Buffer.from('two'));
    await streamer.flush();
    expect(server.calls).toHaveLength(1);
    expect(server.text()).toBe('');
  });
});

it("starts where the server's log ends: a build handed over goes on after the first runner's lines", async () => {
  let log = Buffer.from('[kiln] first runner\n');
  const peer = {
    async log(_recordId: string, chunk: LogChunk) {
      if (chunk.offset !== log.length) throw new LogGapError(log.length);
      log = Buffer.concat([log, Buffer.from(chunk.data)]);
      return log.length;
    },
  } as unknown as RunnerPeer;
  const start = log.length;
  const streamer = new LogStreamer(peer, 'r', { maxBytes: 1 << 20, startOffset: start });
  expect(streamer.offset).toBe(start);
  streamer.write(Buffer.from('second runner\n'));
  await streamer.flush();
  expect(log.toString()).toBe('[kiln] first runner\nsecond runner\n');
  expect(streamer.offset).toBe(log.length);
});
