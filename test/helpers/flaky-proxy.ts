import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP proxy on loopback that resets its first `resets` connections and relays the rest. */
export interface FlakyProxy {
  /** `127.0.0.1:<port>`. */
  host: string;
  port: number;
  /** Connections taken so far (reset ones included). */
  connections(): number;
  /** Fails the next `count` connections too. */
  failNext(count: number): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (a port on 127.0.0.1) that answers the first `resets` connections
 * with a TCP reset as soon as the client has sent something (the request is lost, as when a
 * store, a git host or a load balancer in between drops a connection once), or with an HTTP 503
 * (`http-503`: a store's fault of its own), or at once (`reset-at-once`: for protocols where
 * the server speaks first), and relays every later one both ways.
 */
export async function startFlakyProxy(
  target: number,
  resets = 1,
  how: 'reset' | 'reset-at-once' | 'http-503' = 'reset',
): Promise<FlakyProxy> {
  let taken = 0;
  let failing = resets;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    taken++;
    if (failing > 0) {
      failing--;
      // A server that speaks first (SMTP) is never sent a byte before its greeting.
      if (how === 'reset-at-once') return void client.resetAndDestroy();
      client.once('data', () => {
        if (how === 'reset') return client.resetAndDestroy();
        client.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    connections: () => taken,
    failNext: (count) => (failing = count),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
