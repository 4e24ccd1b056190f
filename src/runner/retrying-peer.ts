import { LeaseLostError, type RunnerPeer } from '../protocol/runner-protocol.ts';
import { persist } from './persist.ts';

/**
 * The server as one build's execution talks to it: every report (the build started, a step
 * started or ended, the outcome) is retried through outages (`persist`, for up to a lease's
 * length), so one failed call never turns a good build into a bad one. The server side is
 * idempotent: a report it already has is taken again without harm, except the outcome and the
 * hand-over (requeue), which only the first call records; a retried one that hears "not yours any
 * more" means an earlier attempt reached the server. The other calls retry by their nature: the heartbeat beats again,
 * the log streamer resends from the acknowledged offset, the runner asks for work again.
 */
export function retryingPeer(
  peer: RunnerPeer,
  patienceMs: number,
  onRetry: (error: unknown, what: string) => void = () => {},
): RunnerPeer {
  const retry = <T>(what: string, fn: () => Promise<T>) => persist(fn, patienceMs, (e) => onRetry(e, what));
  return {
    next: (signal, place) => peer.next(signal, place),
    extend: (recordId) => peer.extend(recordId),
    log: (recordId, chunk) => peer.log(recordId, chunk),
    announce: (info) => peer.announce(info),
    // An upload resumes where the server's copy ends (runner/artifact-transfer.ts), not from the start.
    artifact: (recordId, part) => peer.artifact(recordId, part),
    directArtifact: (recordId, upload) =>
      retry('an artifact upload target', () => peer.directArtifact(recordId, upload)),
    // Idempotent on the server: the same call again answers the same.
    commitDirectArtifact: (recordId, sent) =>
      retry('an artifact record', () => peer.commitDirectArtifact(recordId, sent)),
    fetchArtifact: (recordId, url) => retry('an artifact download', () => peer.fetchArtifact(recordId, url)),
    directFetchArtifact: (recordId, url) =>
      retry('an artifact download address', () => peer.directFetchArtifact(recordId, url)),
    fetchFile: (recordId, name) => retry('a file download', () => peer.fetchFile(recordId, name)),
    started: (recordId, checkout) => retry('the start', () => peer.started(recordId, checkout)),
    step: (recordId, report) =>
      retry(`a step ${report.status === 'running' ? 'start' : 'end'}`, () => peer.step(recordId, report)),
    done: (recordId, result) => once('the outcome', () => peer.done(recordId, result)),
    requeue: (recordId, request) => once('the hand-over', () => peer.requeue(recordId, request)),
    // Idempotent on the server: a release of a build no longer the runner's is answered alike.
    release: (recordId) => retry('the release', () => peer.release(recordId)),
  };

  /** A report only the first call records: a retry told "not yours" means an earlier one arrived. */
  async function once(what: string, fn: () => Promise<void>): Promise<void> {
    let attempts = 0;
    try {
      await retry(what, () => {
        attempts++;
        return fn();
      });
    } catch (error) {
      if (!(error instanceof LeaseLostError && attempts > 1)) throw error;
    }
  }
}
