import { ApiError } from './api-error.ts';
import type { KilnClient } from './kiln-client.ts';

/** Which artifact: a build of a job, and the artifact's name in it. */
export interface ArtifactAddress {
  jobId: string;
  buildNo: number;
  name: string;
}

/** An artifact's bytes as they arrive, and what the answer's headers say about them. */
export interface ArtifactStream {
  /** Where `body` starts: 0 for the whole artifact, `from` when the server resumed (206). */
  start: number;
  /** The whole artifact's size in bytes (not only what `body` holds). */
  size: number;
  /** The artifact's sha256 (its ETag without the quotes); '' when the server sent no ETag. */
  sha256: string;
  body: ReadableStream<Uint8Array>;
  /** The answer itself, for any other header (Content-Type, Content-Disposition). */
  response: Response;
}

/** How to ask for an artifact. */
export interface OpenArtifactOptions {
  /** Resume at this byte (a Range request); 0 or absent asks for all of it. */
  from?: number;
  /**
   * The sha256 the caller's first bytes came from: sent as If-Range, so an artifact that has
   * changed since (a later upload of the same name replaces it) comes whole (200), not as a
   * range that would splice two different files together.
   */
  sha256?: string;
  signal?: AbortSignal;
}

const unquote = (etag: string | null) => (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');

/**
 * Opens one artifact of a build (DownloadBuildArtifact) for streaming: the CLI writes the body to
 * disk as it arrives, the dashboard hands it to the browser. Asking `from` the size or past it is
 * answered 416 by the server: a caller with all the bytes already has nothing to ask.
 */
export async function openArtifact(
  client: KilnClient,
  at: ArtifactAddress,
  options: OpenArtifactOptions = {},
): Promise<ArtifactStream> {
  const from = options.from ?? 0;
  const headers: Record<string, string> = {};
  if (from > 0) {
    headers.range = `bytes=${from}-`;
    if (options.sha256) headers['if-range'] = `"${options.sha256}"`;
  }
  const response = await client.open(
    'downloadBuildArtifact',
    { params: { job_id: at.jobId, build_no: at.buildNo, name: at.name } },
    { headers, ...(options.signal && { signal: options.signal }) },
  );
  const requestId = response.headers.get('x-request-id') ?? '';
  if (!response.body) throw new ApiError(response.status, 'NO_BODY', 'the server sent no bytes', requestId);
  const sha256 = unquote(response.headers.get('etag'));
  if (response.status === 206) {
    // `bytes 1000-2499999/2500000`: where this part starts and the whole size.
    const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
    if (!m) throw new ApiError(206, 'BAD_RANGE', 'a partial answer without a Content-Range', requestId);
    return { start: Number(m[1]), size: Number(m[2]), sha256, body: response.body, response };
  }
  const size = Number(response.headers.get('content-length') ?? NaN);
  return { start: 0, size, sha256, body: response.body, response };
}
