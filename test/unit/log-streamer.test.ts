import { expect, it } from 'vitest';
import type { LogChunk, RunnerPeer } from '../../src/protocol/runner-protocol.ts';
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
