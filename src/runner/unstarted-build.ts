import { planSecrets } from '../domain/secret-text.ts';
import type { Lease, RunnerPeer } from '../protocol/runner-protocol.ts';
import { LogStreamer } from './log-streamer.ts';
import { retryingPeer } from './retrying-peer.ts';
import { SecretMasker } from './secret-masker.ts';

/**
 * Ends FAILURE a leased build the runner could not start (its sandbox would not start), with the
 * reason in its log, as executeBuild ends a build whose checkout failed: held until its lease ran
 * out instead, it would end ABORTED as if the runner had died, with nothing said. The lines are
 * masked as the build's output is (an error may quote the build's own values).
 */
export async function failUnstarted(
  lease: Lease,
  server: RunnerPeer,
  runnerName: string,
  reason: string,
  onError?: (error: unknown, context: string) => void,
): Promise<void> {
  const peer = retryingPeer(server, lease.leaseMs);
  const streamer = new LogStreamer(peer, lease.recordId, {
    maxBytes: lease.logMaxBytes,
    startOffset: lease.logOffset ?? 0,
    onError: (e) => onError?.(e, 'sending log'),
  });
  const masker = new SecretMasker(planSecrets(lease.plan));
  const text = [
    `build ${lease.dailyBuildNumber} (#${lease.buildNumber}) on runner ${runnerName}`,
    `the runner could not start the build's sandbox: ${reason}`,
    'build finished: FAILURE',
  ]
    .map((line) => `[kiln] ${line}\n`)
    .join('');
  streamer.writeOwn(Buffer.concat([masker.push(Buffer.from(text)), masker.end()]));
  await streamer.flush();
  if (streamer.leaseLost) return;
  await peer
    .done(lease.recordId, { state: 'FAILURE' })
    .catch((e: unknown) => onError?.(e, 'reporting the outcome'));
}
