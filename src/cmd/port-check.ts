import { createServer } from 'node:net';
import { StartRefusedError } from './start-refused.ts';

/** The port Kiln is to listen on is taken: what to do about it. */
export class PortTakenError extends StartRefusedError {
  constructor(host: string, port: number) {
    super(
      `port ${port} on ${host} is taken (another Kiln, or another program, listens there): stop it, or choose another port with KILN_PORT`,
    );
  }
}

/** Kiln cannot listen where it is told to (no such host or address here, no right to the port). */
export class CannotListenError extends PortTakenError {
  constructor(host: string, port: number, error: NodeJS.ErrnoException) {
    super(host, port);
    this.message = `cannot listen on ${host} port ${port} (${error.code ?? error.message}): KILN_HOST must name an address of this machine (0.0.0.0 for all), and KILN_PORT a port it may use`;
  }
}

/**
 * Fails with PortTakenError when `port` on `host` cannot be listened on, before Kiln does anything
 * else: a first start would otherwise create the admin and print its one-time password, and only
 * then die on EADDRINUSE, ENOTFOUND (a KILN_HOST no resolver knows), EADDRNOTAVAIL (an address
 * not this machine's) or EACCES (a privileged port). (Port 0 picks a free one: nothing to check.)
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortTakenError(host, port)
          : new CannotListenError(host, port, error),
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
