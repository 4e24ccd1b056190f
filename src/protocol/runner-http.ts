/**
 * The runner protocol over HTTP: paths and headers shared by the server's routes and the remote
 * runner's peer. Every call carries the runner's token as `Authorization: Bearer <token>`.
 *
 *   POST /v1/kiln/runner/next                       {wait_ms, arch?, pool?}  -> 200 Lease | 204 (nothing within wait_ms)
 *   POST /v1/kiln/runner/builds/{record_id}/extend            -> 200 {held, cancel}
 *   POST /v1/kiln/runner/builds/{record_id}/started  CheckoutInfo
 *   POST /v1/kiln/runner/builds/{record_id}/steps    StepReport
 *   PUT  /v1/kiln/runner/builds/{record_id}/log?offset=N  raw bytes -> 200 {size}
 *                                                        | 416 + X-Kiln-Log-Size (the chunk leaves a hole)
 *                                                        | 413 CB.00060215 (past the log's cap: stop sending)
 *   PUT  /v1/kiln/runner/builds/{record_id}/artifacts?name=&version=&size=&offset=  raw bytes
 *                                                        -> 200 StoredArtifact (all bytes arrived)
 *                                                        | 416 + X-Kiln-Artifact-Size (the part is out of
 *                                                          place, or ended early: resume from there)
 *   POST /v1/kiln/runner/builds/{record_id}/artifacts/direct  {name, version, size}
 *                                                        -> 200 DirectArtifactTarget (PUT the bytes to its url)
 *                                                        | 204 (the store takes no direct uploads: PUT them here)
 *   POST /v1/kiln/runner/builds/{record_id}/artifacts/direct/commit  {name, version, size, key, sha256}
 *                                                        -> 200 StoredArtifact
 *   GET  /v1/kiln/runner/builds/{record_id}/artifact?url=  -> 200 bytes + X-Kiln-Artifact-Name,
 *                                                           X-Kiln-Artifact-Sha256, Content-Length
 *   POST /v1/kiln/runner/builds/{record_id}/artifact/direct  {url}
 *                                                        -> 200 DirectArtifactSource (GET the bytes from its url)
 *                                                        | 204 (the store hands out no URLs: GET artifact?url=)
 *   GET  /v1/kiln/runner/builds/{record_id}/file?name=  -> 200 bytes + X-Kiln-Artifact-Name,
 *                                                           X-Kiln-Artifact-Sha256, Content-Length
 *   POST /v1/kiln/runner/builds/{record_id}/done     {state}
 *   POST /v1/kiln/runner/builds/{record_id}/requeue  RequeueRequest {arch?, pool?, reason}
 *   POST /v1/kiln/runner/builds/{record_id}/release           (not started: back in the queue; idempotent)
 *   POST /v1/kiln/runner/announce                   RunnerInfo {host, tools, arch?, pool?}
 * A 410 on any build call means the build is no longer the runner's (LeaseLostError); 401 and 403
 * mean the token is refused, and like every other 4xx are not worth repeating. A 409 answers a
 * report that contradicts a started build: started again with another checkout (the same one again
 * is answered 200), or requeue once it started.
 */
export const RUNNER_PATHS = {
  next: '/v1/kiln/runner/next',
  extend: '/v1/kiln/runner/builds/{record_id}/extend',
  started: '/v1/kiln/runner/builds/{record_id}/started',
  steps: '/v1/kiln/runner/builds/{record_id}/steps',
  log: '/v1/kiln/runner/builds/{record_id}/log',
  artifacts: '/v1/kiln/runner/builds/{record_id}/artifacts',
  directArtifact: '/v1/kiln/runner/builds/{record_id}/artifacts/direct',
  commitDirectArtifact: '/v1/kiln/runner/builds/{record_id}/artifacts/direct/commit',
  artifact: '/v1/kiln/runner/builds/{record_id}/artifact',
  directFetchArtifact: '/v1/kiln/runner/builds/{record_id}/artifact/direct',
  file: '/v1/kiln/runner/builds/{record_id}/file',
  done: '/v1/kiln/runner/builds/{record_id}/done',
  requeue: '/v1/kiln/runner/builds/{record_id}/requeue',
  release: '/v1/kiln/runner/builds/{record_id}/release',
  announce: '/v1/kiln/runner/announce',
} as const;

/** Response header of a refused log chunk: the size of the log the server has. */
export const LOG_SIZE_HEADER = 'x-kiln-log-size';

/**
 * Response header of a refused artifact part: the bytes of the upload the server holds; of a
 * fetched artifact or file: its size.
 */
export const ARTIFACT_SIZE_HEADER = 'x-kiln-artifact-size';
/** Response headers of a fetched artifact. */
export const ARTIFACT_NAME_HEADER = 'x-kiln-artifact-name';
export const ARTIFACT_SHA256_HEADER = 'x-kiln-artifact-sha256';

/** `error_code` of the answer to a log chunk past the log's cap (413 also answers a chunk too big). */
export const LOG_CAPPED_CODE = 'CB.00060215';

/**
 * `error_code` of a 404 for a call the server has no route for: a server older than the call (the
 * runner was upgraded first). The runner tells it from a 404 about a build or an artifact.
 */
export const NO_OPERATION_CODE = 'CB.00060214';

/** Longest a `next` call waits on the server before answering 204. */
export const MAX_WAIT_MS = 30_000;

/** The path with its record id filled in. */
export function runnerPath(path: string, recordId: string): string {
  return path.replace('{record_id}', encodeURIComponent(recordId));
}
