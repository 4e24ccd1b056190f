import { OutageWatch } from '../domain/outage.ts';
import { isTransient } from '../domain/retry.ts';
import type { RunnerPeer } from '../protocol/runner-protocol.ts';

/**
 * The peer as the runner's loops use it, watched for outages: the first transient failure of any
 * call and the first success after it are told to `watch` (the runner logs them), so that reports,
 * the log streamer, heartbeats and requests for work retrying through one outage log it once.
 */
export function watchedPeer(peer: RunnerPeer, watch: OutageWatch): RunnerPeer {
  const watched =
    <A extends unknown[], T>(fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      try {
        const value = await fn(...args);
        watch.succeeded();
        return value;
      } catch (error) {
        if (isTransient(error)) watch.failed(error);
        else if ((error as Error).name !== 'AbortError') watch.succeeded(); // an answer: the server is there
        throw error;
      }
    };
  return {
    next: watched((signal, place) => peer.next(signal, place)),
    extend: watched((recordId) => peer.extend(recordId)),
    started: watched((recordId, checkout) => peer.started(recordId, checkout)),
    step: watched((recordId, report) => peer.step(recordId, report)),
    log: watched((recordId, chunk) => peer.log(recordId, chunk)),
    done: watched((recordId, result) => peer.done(recordId, result)),
    requeue: watched((recordId, request) => peer.requeue(recordId, request)),
    release: watched((recordId) => peer.release(recordId)),
    announce: watched((info) => peer.announce(info)),
    artifact: watched((recordId, part) => peer.artifact(recordId, part)),
    directArtifact: watched((recordId, upload) => peer.directArtifact(recordId, upload)),
    commitDirectArtifact: watched((recordId, sent) => peer.commitDirectArtifact(recordId, sent)),
    fetchArtifact: watched((recordId, url) => peer.fetchArtifact(recordId, url)),
    directFetchArtifact: watched((recordId, url) => peer.directFetchArtifact(recordId, url)),
    fetchFile: watched((recordId, name) => peer.fetchFile(recordId, name)),
  };
}
