import { AppError } from '../../domain/errors.ts';
import type { ByteRange } from '../../domain/artifact.ts';
import { attachment, exactly, noneMatch } from '../http-conditions.ts';
import { toArtifactList, toOutputInfo } from '../mappers/artifact.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';

/**
 * The one range of a `Range: bytes=...` header within `size` bytes; undefined for the whole file
 * (no header, another unit, or several ranges: RFC 9110 lets a server answer those with all of
 * it); null when the range lies past the end (416).
 */
export function byteRange(header: string | undefined, size: number): ByteRange | undefined | null {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}

/** What builds kept: ShowOutputInfo, Kiln's list and download. */
export function artifactHandlers(
  deps: RouteDeps,
): HandlerGroup<'showOutputInfo' | 'listBuildArtifacts' | 'downloadBuildArtifact'> {
  const { artifacts } = deps.engine;
  return {
    async showOutputInfo({ caller, params }) {
      return toOutputInfo(await artifacts.list(caller, params.job_id, params.build_no));
    },
    async listBuildArtifacts({ caller, params }) {
      return toArtifactList((await artifacts.list(caller, params.job_id, params.build_no)).artifacts);
    },
    async downloadBuildArtifact({ caller, params, request, reply }) {
      const artifact = await artifacts.describe(caller, params.job_id, params.build_no, params.name);
      const etag = `"${artifact.sha256}"`;
      reply.header('etag', etag).header('accept-ranges', 'bytes');
      if (noneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
      // If-Range compares strongly: a weak tag never matches, and the whole file is sent.
      const ifRange = request.headers['if-range'];
      const asked = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
      const range = byteRange(asked, artifact.size);
      if (range === null) {
        reply.header('content-range', `bytes */${artifact.size}`);
        throw new AppError('LOG_RANGE', `range ${asked} is not within the artifact's ${artifact.size} bytes`);
      }
      const length = range ? range.end - range.start + 1 : artifact.size;
      // Opened before the file's headers are set: bytes gone from the store answer a plain 404.
      const body = exactly(await artifacts.bytes(artifact, range), length);
      reply
        .header('content-type', artifact.contentType)
        .header('content-disposition', attachment(artifact.name))
        .header('content-length', String(length));
      if (!range) return reply.code(200).send(body);
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${artifact.size}`)
        .send(body);
    },
  };
}
