import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { isTransientStatus } from '../domain/retry.ts';
import {
  ARTIFACT_NAME_HEADER,
  ARTIFACT_SHA256_HEADER,
  ARTIFACT_SIZE_HEADER,
  LOG_CAPPED_CODE,
  LOG_SIZE_HEADER,
  MAX_WAIT_MS,
  NO_OPERATION_CODE,
  RUNNER_PATHS,
  runnerPath,
} from '../protocol/runner-http.ts';
import {
  ArtifactGapError,
  ArtifactRefusedError,
  LeaseLostError,
  LogCapError,
  LogGapError,
  type ArtifactDownload,
  type ArtifactPart,
  type ArtifactUpload,
  type DirectArtifact,
  type DirectArtifactSource,
  type DirectArtifactTarget,
  type BuildResult,
  type CheckoutInfo,
  type Lease,
  type LeaseStatus,
  type LogChunk,
  type RequeueRequest,
  type RunnerInfo,
  type RunnerPeer,
  type RunnerPlace,
  type StepReport,
  type StoredArtifact,
} from '../protocol/runner-protocol.ts';

/**
 * A failure the server answered or the network caused. `transient` (see domain/retry.ts) is true
 * for the network, timeouts, throttling and server faults; false for the other answers (401 and
 * 403: the token is refused), which asking again would only repeat.
 */
export class PeerUnavailableError extends Error {
  readonly transient: boolean;
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PeerUnavailableError';
    this.transient = status === undefined || isTransientStatus(status);
  }
}

function errorBodyOf(text: string): { error_code?: string; error_msg?: string } {
  try {
    return JSON.parse(text) as { error_code?: string; error_msg?: string };
  } catch {
    return {};
  }
}

/**
 * The server has no such call: it runs an older Kiln than this runner (the runners were upgraded
 * before the servers). Not worth repeating; its message tells the administrator what to do.
 */
export class OlderServerError extends PeerUnavailableError {
  constructor(method: string, path: string) {
    super(
      `the server does not know ${method} ${path}: it runs an older Kiln than this runner; upgrade the servers (docs/deployment.md, "Upgrades")`,
      404,
    );
    this.name = 'OlderServerError';
  }
}

/** A 4xx other than the protocol's own answers: the server refused an artifact, saying why. */
function refusal(error: unknown): unknown {
  if (
    error instanceof PeerUnavailableError &&
    !error.transient &&
    error.status !== 401 &&
    error.status !== 403
  )
    return new ArtifactRefusedError(error.message);
  return error;
}

/**
 * The size of a fetched artifact or file, by the server's own header: Content-Length may be gone
 * (a proxy that compresses sends chunks), and a size taken as 0 would fail every try of a good
 * download.
 */
function downloadSize(response: Response): number {
  const text = response.headers.get(ARTIFACT_SIZE_HEADER) ?? response.headers.get('content-length');
  const size = Number(text);
  if (text === null || text === '' || !Number.isSafeInteger(size) || size < 0)
    throw new ArtifactRefusedError(
      `the server's answer does not say the size of the download (${ARTIFACT_SIZE_HEADER})`,
    );
  return size;
}

/** The error a failed answer of the server stands for (the protocol's own answers by their status). */
function answerError(
  method: string,
  path: string,
  status: number,
  header: (name: string) => string | null,
  text: string,
): Error {
  if (status === 410) return new LeaseLostError(path);
  const artifactSize = header(ARTIFACT_SIZE_HEADER);
  if (status === 416 && artifactSize !== null) return new ArtifactGapError(Number(artifactSize));
  if (status === 416) return new LogGapError(Number(header(LOG_SIZE_HEADER) ?? 0));
  const answer = errorBodyOf(text);
  if (status === 413 && answer.error_code === LOG_CAPPED_CODE) return new LogCapError(text);
  if (status === 404 && answer.error_code === NO_OPERATION_CODE)
    return new OlderServerError(method, path.split('?')[0]!);
  if (status === 401 || status === 403)
    return new PeerUnavailableError(
      `the server refused the runner token (${status}): ${text.slice(0, 200)}`,
      status,
    );
  return new PeerUnavailableError(
    answer.error_msg ?? `${method} ${path}: ${status} ${text.slice(0, 200)}`,
    status,
  );
}

/** Room for a transfer of `size` bytes at no less than 1 MB/s, plus a minute. */
const transferTimeout = (size: number) => AbortSignal.timeout(60_000 + Math.ceil(size / 1_000));

/**
 * The runner protocol over HTTP (protocol/runner-http.ts), for `kiln runner` on another machine.
 * Failures to reach the server surface as PeerUnavailableError; the runner retries them (reports
 * with backoff, the log streamer keeping its bytes, the heartbeat watching the lease).
 */
export class HttpRunnerPeer implements RunnerPeer {
  private readonly base: string;

  constructor(
    serverUrl: string,
    private readonly token: string,
  ) {
    this.base = serverUrl.replace(/\/+$/, '');
  }

  private async call(
    method: string,
    path: string,
    init: { json?: unknown; bytes?: Uint8Array; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | Uint8Array | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = init.bytes;
    }
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body !== undefined && { body }),
        signal: init.signal ?? AbortSignal.timeout(60_000),
        // The runner protocol never redirects: a 3xx (a proxy's) is an error, and the runner's
        // token goes nowhere else.
        redirect: 'manual',
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new PeerUnavailableError(`cannot reach ${this.base}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    throw answerError(method, path, response.status, (name) => response.headers.get(name), text);
  }

  /**
   * A PUT of a stream through node:http(s) rather than fetch: fetch reads a request body as fast as
   * the file gives it, whatever the socket takes (nodejs/undici#4058), so a large artifact would
   * pass through the runner's memory whole. Answers as call() does; resolves with the answer's text.
   */
  private async putStream(
    path: string,
    body: AsyncIterable<Uint8Array>,
    signal: AbortSignal,
  ): Promise<string> {
    const url = new URL(`${this.base}${path}`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let answer: { status: number; headers: IncomingHttpHeaders; text: string };
    try {
      answer = await new Promise((resolve, reject) => {
        const req = send(
          url,
          {
            method: 'PUT',
            headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/octet-stream' },
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.once('error', reject);
            res.once('end', () => {
              // An answer before the body's end (a refusal) ends the sending; the answer counts.
              if (!req.writableFinished) req.destroy();
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              });
            });
          },
        );
        req.once('error', reject);
        pipeline(body, req).catch(reject);
      });
    } catch (error) {
      // As fetch in call(): running out of time is the network's failure, another abort is not.
      if (
        (error as Error).name === 'AbortError' &&
        (signal.reason as Error | undefined)?.name !== 'TimeoutError'
      )
        throw error;
      throw new PeerUnavailableError(`cannot reach ${this.base}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    if (answer.status >= 200 && answer.status < 300) return answer.text;
    const header = (name: string) => {
      const value = answer.headers[name];
      return typeof value === 'string' ? value : null;
    };
    throw answerError('PUT', path, answer.status, header, answer.text);
  }

  async next(signal: AbortSignal, place: RunnerPlace = {}): Promise<Lease | undefined> {
    // The server answers within wait_ms; the extra timeout guards against a connection that died silently.
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(MAX_WAIT_MS + 10_000)]);
    const response = await this.call('POST', RUNNER_PATHS.next, {
      json: { wait_ms: MAX_WAIT_MS - 5_000, ...place },
      signal: bounded,
    });
    if (response.status === 204) return undefined;
    return (await response.json()) as Lease;
  }

  async extend(recordId: string): Promise<LeaseStatus> {
    const response = await this.call('POST', runnerPath(RUNNER_PATHS.extend, recordId), {
      signal: AbortSignal.timeout(10_000),
    });
    return (await response.json()) as LeaseStatus;
  }

  async started(recordId: string, checkout: CheckoutInfo): Promise<void> {
    await this.call('POST', runnerPath(RUNNER_PATHS.started, recordId), { json: checkout });
  }

  async announce(info: RunnerInfo): Promise<void> {
    await this.call('POST', RUNNER_PATHS.announce, { json: info, signal: AbortSignal.timeout(10_000) });
  }

  async step(recordId: string, report: StepReport): Promise<void> {
    await this.call('POST', runnerPath(RUNNER_PATHS.steps, recordId), { json: report });
  }

  async log(recordId: string, chunk: LogChunk): Promise<number> {
    const response = await this.call(
      'PUT',
      `${runnerPath(RUNNER_PATHS.log, recordId)}?offset=${chunk.offset}`,
      {
        bytes: chunk.data,
        signal: AbortSignal.timeout(30_000),
      },
    );
    return ((await response.json()) as { size: number }).size;
  }

  async requeue(recordId: string, request: RequeueRequest): Promise<void> {
    await this.call('POST', runnerPath(RUNNER_PATHS.requeue, recordId), { json: request });
  }

  async release(recordId: string): Promise<void> {
    await this.call('POST', runnerPath(RUNNER_PATHS.release, recordId), {
      signal: AbortSignal.timeout(10_000),
    });
  }

  async artifact(recordId: string, part: ArtifactPart): Promise<StoredArtifact> {
    const query = new URLSearchParams({
      name: part.name,
      version: part.version,
      size: String(part.size),
      offset: String(part.offset),
    });
    try {
      const text = await this.putStream(
        `${runnerPath(RUNNER_PATHS.artifacts, recordId)}?${query}`,
        part.body,
        transferTimeout(part.size - part.offset),
      );
      return JSON.parse(text) as StoredArtifact;
    } catch (error) {
      throw refusal(error);
    }
  }

  async directArtifact(recordId: string, upload: ArtifactUpload): Promise<DirectArtifactTarget | undefined> {
    return this.postArtifactCall(RUNNER_PATHS.directArtifact, recordId, upload, true);
  }

  async commitDirectArtifact(recordId: string, sent: DirectArtifact): Promise<StoredArtifact> {
    return (await this.postArtifactCall<StoredArtifact>(RUNNER_PATHS.commitDirectArtifact, recordId, sent))!;
  }

  async directFetchArtifact(recordId: string, url: string): Promise<DirectArtifactSource | undefined> {
    return this.postArtifactCall(RUNNER_PATHS.directFetchArtifact, recordId, { url }, true);
  }

  /**
   * A JSON call about an artifact: its answer, undefined for 204; a 4xx is the server's refusal.
   * `optional`: a server older than the call (it has no direct transfers) answers as a 204 does,
   * so the bytes go through it.
   */
  private async postArtifactCall<T>(
    path: string,
    recordId: string,
    json: unknown,
    optional = false,
  ): Promise<T | undefined> {
    try {
      const response = await this.call('POST', runnerPath(path, recordId), { json });
      return response.status === 204 ? undefined : ((await response.json()) as T);
    } catch (error) {
      if (optional && error instanceof OlderServerError) return undefined;
      throw refusal(error);
    }
  }

  async fetchArtifact(recordId: string, url: string): Promise<ArtifactDownload> {
    let response: Response;
    try {
      response = await this.call(
        'GET',
        `${runnerPath(RUNNER_PATHS.artifact, recordId)}?${new URLSearchParams({ url })}`,
        {
          signal: transferTimeout(10 * 1024 ** 3),
        },
      );
    } catch (error) {
      throw refusal(error);
    }
    if (!response.body) throw new PeerUnavailableError('the server sent no artifact bytes');
    return {
      name: decodeURIComponent(response.headers.get(ARTIFACT_NAME_HEADER) ?? ''),
      size: downloadSize(response),
      sha256: response.headers.get(ARTIFACT_SHA256_HEADER) ?? '',
      body: response.body as unknown as AsyncIterable<Uint8Array>,
    };
  }

  async fetchFile(recordId: string, name: string): Promise<ArtifactDownload> {
    let response: Response;
    try {
      response = await this.call(
        'GET',
        `${runnerPath(RUNNER_PATHS.file, recordId)}?${new URLSearchParams({ name })}`,
        {
          signal: transferTimeout(64 * 1024 ** 2),
        },
      );
    } catch (error) {
      throw refusal(error);
    }
    if (!response.body) throw new PeerUnavailableError('the server sent no file bytes');
    return {
      name: decodeURIComponent(response.headers.get(ARTIFACT_NAME_HEADER) ?? ''),
      size: downloadSize(response),
      sha256: response.headers.get(ARTIFACT_SHA256_HEADER) ?? '',
      body: response.body as unknown as AsyncIterable<Uint8Array>,
    };
  }

  async done(recordId: string, result: BuildResult): Promise<void> {
    await this.call('POST', runnerPath(RUNNER_PATHS.done, recordId), { json: result });
  }
}
