import { createServer } from 'node:net';

/** The port Kiln is to listen on is taken: what to do about it. */
export class PortTakenError extends Error {
  constructor(host: string, port: number) {
    super(
      `port ${port} on ${host} is taken (another Kiln, or another program, listens there): stop it, or choose another port with KILN_PORT`,
    );
    this.name = 'PortTakenError';
  }
}

/**
 * Fails with PortTakenError when `port` on `host` cannot be listened on, before Kiln does anything
 * else: a first start would otherwise create the admin and print its one-time password, and only
 * then die on EADDRINUSE. (Port 0 picks a free one: nothing to check.) Any other error is left to
 * the real listen, which reports it.
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortTakenError(host, port));
      else resolve();
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
