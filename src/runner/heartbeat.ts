import { isTransient } from '../domain/retry.ts';
import type { Lease, RunnerPeer } from '../protocol/runner-protocol.ts';

/** Renews the lease every few seconds; a stop request or a lost lease stops the build. */
export function startHeartbeat(
  lease: Lease,
  peer: RunnerPeer,
  stop: (why: 'lost' | 'cancel') => void,
): { stop(): void } {
  const every = Math.max(200, Math.min(1_500, Math.floor(lease.leaseMs / 4)));
  let lastOk = Date.now();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const status = await peer.extend(lease.recordId);
      lastOk = Date.now();
      if (!status.held) stop('lost');
      else if (status.cancel) stop('cancel');
    } catch (error) {
      // Lease lost, or the token refused: the build cannot go on being this runner's. In an
      // outage (the runner's peer logs it once), past the lease the server has taken it back.
      if (!isTransient(error) || Date.now() - lastOk > lease.leaseMs) stop('lost');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), every);
  void tick();
  return { stop: () => clearInterval(timer) };
}
