import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP proxy on loopback that fails its first `resets` connections and relays the rest. */
export interface FlakyProxy {
  /** `127.0.0.1:<port>`. */
  host: string;
  port: number;
  /** Connections taken so far (failed ones included). */
  connections(): number;
  /** Fails the next `count` connections too. */
  failNext(count: number): void;
  /**
   * `cut-answer` only: resets the next failing connection once it holds its answer (at once if one
   * does already). Resolves when it is reset.
   */
  cut(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How a failing connection fails: a TCP reset as soon as the client has sent something (`reset`:
 * the request is lost, as when a store, a git host or a load balancer in between drops a
 * connection once), an HTTP 503 (`http-503`: a store's fault of its own), a reset at once
 * (`reset-at-once`: for protocols where the server speaks first), or (`cut-answer`) the request
 * relayed and the first `answerBytes` bytes of the answer, then nothing more until `cut()` resets
 * the connection: a failure in the middle of a body, after its headers arrived, without a race.
 */
export type FlakyHow = 'reset' | 'reset-at-once' | 'http-503' | 'cut-answer';

/**
 * Starts a proxy to `target` (a port on 127.0.0.1) that fails the first `resets` connections as
 * `how` says and relays every later one both ways.
 */
export async function startFlakyProxy(
  target: number,
  resets = 1,
  how: FlakyHow = 'reset',
  options: { answerBytes?: number } = {},
): Promise<FlakyProxy> {
  let taken = 0;
  let failing = resets;
  const sockets = new Set<Socket>();
  /** Connections that hold their answer, and cut() calls waiting for one. */
  const held: Socket[] = [];
  const cutters: Array<() => void> = [];
  const hold = (client: Socket) => {
    const cutter = cutters.shift();
    if (cutter) {
      client.resetAndDestroy();
      cutter();
    } else held.push(client);
  };

  const relay = (client: Socket, answerBytes?: number) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    if (answerBytes === undefined) return void upstream.pipe(client);
    let relayed = 0;
    const onData = (chunk: Buffer) => {
      const part = chunk.subarray(0, answerBytes - relayed);
      relayed += part.length;
      if (relayed < answerBytes) return void client.write(part);
      // The rest stays upstream; the part goes out before the connection is held for cut().
      upstream.off('data', onData);
      upstream.pause();
      client.write(part, () => hold(client));
    };
    upstream.on('data', onData);
  };

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    taken++;
    if (failing <= 0) return relay(client);
    failing--;
    if (how === 'cut-answer') return relay(client, options.answerBytes ?? 16 * 1024);
    // A server that speaks first (SMTP) is never sent a byte before its greeting.
    if (how === 'reset-at-once') return void client.resetAndDestroy();
    client.once('data', () => {
      if (how === 'reset') return client.resetAndDestroy();
      client.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    connections: () => taken,
    failNext: (count) => (failing = count),
    cut: () =>
      new Promise<void>((resolve) => {
        const client = held.shift();
        if (!client) return void cutters.push(resolve);
        client.resetAndDestroy();
        resolve();
      }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
