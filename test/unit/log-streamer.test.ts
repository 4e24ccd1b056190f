import { describe, expect, it } from 'vitest';
import type { LogChunk, RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { LogStreamer } from '../../src/runner/log-streamer.ts';

/**
 * A server side that keeps the log in memory and holds its answers until `release()` (then
 * answers at once), so a test can write while a chunk is on its way.
 */
function heldServer() {
  let log = Buffer.alloc(0);
  let held = true;
  const waiting: (() => void)[] = [];
  const peer = {
    async log(_recordId: string, chunk: LogChunk): Promise<number> {
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
      if (chunk.offset === log.length) log = Buffer.concat([log, chunk.data]);
      return log.length;
    },
  } as unknown as RunnerPeer;
  return {
    peer,
    text: () => log.toString(),
    /** Resolves once a chunk is waiting for its answer. */
    async inFlight(): Promise<void> {
      while (waiting.length === 0) await new Promise((r) => setTimeout(r, 1));
    },
    release(): void {
      held = false;
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

describe('log streamer', () => {
  it('keeps output written while a chunk is on its way to the server', async () => {
    const server = heldServer();
    const streamer = new LogStreamer(server.peer, 'r', { maxBytes: 1_000_000 });
    streamer.write(Buffer.from('first\n'));
    const sent = streamer.flush();
    await server.inFlight();
    // The step goes on writing while "first" waits for the server's answer.
    streamer.write(Buffer.from('second\n'));
    server.release();
    await sent;
    await streamer.flush();
    expect(server.text()).toBe('first\nsecond\n');
  });
});
