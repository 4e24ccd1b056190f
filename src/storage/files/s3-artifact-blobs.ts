import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../../domain/errors.ts';
import type { ByteRange } from '../../domain/artifact.ts';
import type { ArtifactBlobStore } from '../ports.ts';
import { isStorageName, LocalParts, safeStorageName } from './local-parts.ts';
import { resumingBody } from './resuming-body.ts';

/** Where the blobs go, and how to reach it. */
export interface S3ArtifactBlobsOptions {
  bucket: string;
  /** Folder of the bucket the objects go under (`a/b` keeps blob K as `a/b/K`); none: the bucket's root. */
  prefix?: string;
  /** The local directory that holds unfinished uploads. */
  partsDir: string;
  /** An S3-compatible server's URL; none: AWS. */
  endpoint?: string;
  region: string;
  /** None: the SDK's default chain (environment, shared files, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bucket in the path (`endpoint/bucket/key`) rather than the host name, as most self-hosted servers need. */
  forcePathStyle?: boolean;
  /** Keys per ListObjectsV2 page (S3's most is 1000). */
  pageSize?: number;
  /**
   * Runners send artifacts straight into the bucket and fetch them from it with presigned URLs
   * (`directUpload`, `directDownload`), not through the server; default true.
   */
  direct?: boolean;
  /** The endpoint runners reach the store at, when not `endpoint` (presigned URLs name it). */
  runnerEndpoint?: string;
  /**
   * A request to the store that sends or receives nothing for this long fails (and is retried as
   * the SDK retries); default IDLE_MS. Tests shorten it.
   */
  idleMs?: number;
  /** Tries of each request (the SDK's default: 3). */
  maxAttempts?: number;
}

/** Bytes per part of a multipart upload: S3 wants at least 5 MiB, and at most 10,000 parts. */
const PART_BYTES = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** Parts in flight at once per upload: the memory an upload holds is about this many parts. */
const QUEUE = 2;
/** The most bytes S3 takes in one PUT. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** Keys per DeleteObjects request (S3's most). */
const DELETE_BATCH = 1000;
/**
 * A connection to the store not made in this long fails, and so does a request that moves no byte
 * either way for IDLE_MS: the SDK waits for ever by default, and a store that takes connections
 * but never answers (stopped, wedged, a proxy in between) would hold a download, an upload's copy
 * and the sweep and retention loops (each runs one pass at a time) until the server restarts.
 * Idle, not total: a large object streams for as long as its bytes keep coming.
 */
const CONNECT_MS = 10_000;
const IDLE_MS = 120_000;
/**
 * Times a read asks again for the rest of an object whose body failed midway (the SDK retries only
 * until an answer's headers arrive): one dropped connection costs a download nothing; a second
 * fails it, as a store that keeps failing should.
 */
const RESUMES = 1;

/**
 * Artifact bytes in S3-compatible object storage, for several servers and remote runners: blob K
 * is the object `<prefix>/K`. Unfinished uploads stay on this server's disk (the runner resumes on
 * the server that holds its part, as with the filesystem store); a whole one is streamed to the
 * bucket (multipart past one part, never whole in memory), and is an object before its row is
 * written. The prefix belongs to Kiln: the sweep deletes objects under it that no artifact names.
 */
export class S3ArtifactBlobs implements ArtifactBlobStore {
  private readonly client: S3Client;
  /** Presigns the URLs runners PUT to (a client of the endpoint they reach). */
  private readonly presigner: S3Client | undefined;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly parts: LocalParts;
  private readonly pageSize: number;

  constructor(options: S3ArtifactBlobsOptions) {
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      // The SDK's default CRC checksums are unknown to many S3-compatible servers; Kiln keeps its
      // own sha256 of every blob (download_artifact checks it, the API serves it as the ETag).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: CONNECT_MS, socketTimeout: options.idleMs ?? IDLE_MS },
      ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
      ...(options.endpoint && { endpoint: options.endpoint }),
      ...(options.credentials && { credentials: options.credentials }),
    };
    this.client = new S3Client(config);
    this.presigner =
      options.direct === false
        ? undefined
        : options.runnerEndpoint
          ? new S3Client({ ...config, endpoint: options.runnerEndpoint })
          : this.client;
    if (!this.presigner) {
      this.directUpload = undefined;
      this.directDownload = undefined;
    }
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix ? `${prefix}/` : '';
    this.parts = new LocalParts(options.partsDir);
    this.pageSize = options.pageSize ?? 1000;
  }

  private objectKey(key: string): string {
    return this.prefix + safeStorageName(key);
  }

  partSize(uploadId: string): Promise<number> {
    return this.parts.size(uploadId);
  }

  appendPart(
    uploadId: string,
    offset: number,
    body: AsyncIterable<Uint8Array>,
    limit: number,
    signal?: AbortSignal,
  ): Promise<number> {
    return this.parts.append(uploadId, offset, body, limit, signal);
  }

  async commitPart(uploadId: string, key: string): Promise<{ size: number; sha256: string }> {
    const objectKey = this.objectKey(key);
    const { path, size, sha256 } = await this.parts.whole(uploadId);
    const body = createReadStream(path);
    try {
      await new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: objectKey, Body: body },
        partSize: Math.max(PART_BYTES, Math.ceil(size / MAX_PARTS)),
        queueSize: QUEUE,
        leavePartsOnError: false,
      }).done();
    } finally {
      body.destroy(); // a failed copy may leave the file open
    }
    // Only once the object is whole: a failed copy leaves the part for the runner's retry.
    await this.parts.discard(uploadId);
    return { size, sha256 };
  }

  discardPart(uploadId: string): Promise<void> {
    return this.parts.discard(uploadId);
  }

  directUpload? = async (
    key: string,
    size: number,
    seconds: number,
  ): Promise<{ url: string; headers: Record<string, string> } | undefined> => {
    // S3 takes at most 5 GiB in one PUT; larger artifacts go through the server (multipart).
    if (size > MAX_PUT_BYTES) return undefined;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ContentLength: size,
    });
    const url = await getSignedUrl(this.presigner!, command, { expiresIn: seconds });
    return { url, headers: { 'content-length': String(size) } };
  };

  directDownload? = (key: string, seconds: number): Promise<string> =>
    getSignedUrl(this.presigner!, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), {
      expiresIn: seconds,
    });

  async blobSize(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      // HEAD answers carry no body: a missing object is a bare 404 ("NotFound").
      if (isMissing(error) || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const Key = this.objectKey(key);
    try {
      const got = await this.open(Key, range);
      const length = range ? range.end - range.start + 1 : got.ContentLength;
      // Without a tag the rest could come from another object; without a length, nothing says how
      // much is missing: such a body is served as it comes (S3 and its look-alikes send both).
      if (!got.ETag || length === undefined) return got.body;
      const start = range?.start ?? 0;
      const etag = got.ETag;
      return resumingBody(
        got.body,
        length,
        (sent) => this.rest(Key, { start: start + sent, end: start + length - 1 }, etag),
        RESUMES,
      );
    } catch (error) {
      if (isMissing(error)) throw new AppError('NOT_FOUND', "the artifact's bytes are gone from the store");
      if (isUnreachable(error))
        throw new AppError('STORE_UNAVAILABLE', 'the artifact store (S3) cannot be reached; retry later', {
          cause: error,
        });
      throw error;
    }
  }

  /**
   * The rest of a read whose body failed: `range` of the object tagged `etag`. If-Match: a key is
   * written once (a fresh id per upload), but a presigned PUT stays good for minutes and could
   * replace the object; another object's bytes are never spliced onto the first's.
   */
  private async rest(Key: string, range: ByteRange, etag: string): Promise<Readable> {
    try {
      return (await this.open(Key, range, etag)).body;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
        throw new Error(`the object store answered the rest of ${Key} with another object`, { cause: error });
      throw error;
    }
  }

  /** A GET of the object (or `range` of it; of the version tagged `etag` if given), checked. */
  private async open(
    Key: string,
    range?: ByteRange,
    etag?: string,
  ): Promise<{ body: Readable; ETag?: string; ContentLength?: number }> {
    const got = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key,
        ...(range && { Range: `bytes=${range.start}-${range.end}` }),
        ...(etag && { IfMatch: etag }),
      }),
    );
    const body = got.Body as Readable | undefined;
    if (!body) throw new Error(`the object store sent no body for ${Key}`);
    // A server that ignores a range, or answers another one, would serve the wrong bytes; one that
    // ignores If-Match, another object's.
    const problem =
      range && got.ContentRange?.replace(/\/.*/, '') !== `bytes ${range.start}-${range.end}`
        ? `answered bytes ${range.start}-${range.end} of ${Key} with ${got.ContentRange ?? 'the whole object'}`
        : etag && got.ETag !== etag
          ? `answered the rest of ${Key} with another object (ETag ${got.ETag ?? 'none'}, not ${etag})`
          : undefined;
    if (problem) {
      body.destroy();
      throw new Error(`the object store ${problem}`);
    }
    return { body, ETag: got.ETag, ContentLength: got.ContentLength };
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const done = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((k) => ({ Key: this.objectKey(k) })), Quiet: true },
        }),
      );
      // S3 deletes a missing key without complaint; anything it lists here did not go.
      const failed = (done.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0)
        throw new Error(
          `the object store kept ${failed.length} of ${batch.length} objects: ${failed[0]!.Code ?? ''} ${failed[0]!.Message ?? ''}`,
        );
    }
  }

  async *listBlobs(): AsyncIterable<{ key: string; storedAt: number }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          MaxKeys: this.pageSize,
          ...(this.prefix && { Prefix: this.prefix }),
          ...(token && { ContinuationToken: token }),
        }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length) ?? '';
        // Deeper keys and names no store key can have are someone else's: not listed. (The sweep
        // deletes only the key forms Kiln makes: artifact-service isBlobKey.)
        if (!isStorageName(key)) continue;
        yield { key, storedAt: object.LastModified?.getTime() ?? Date.now() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  discardParts(prefix: string): Promise<number> {
    return this.parts.discardPrefixed(prefix);
  }

  dropStaleParts(before: number): Promise<number> {
    return this.parts.dropStale(before);
  }

  /** Closes the client's connections (when the server stops). */
  destroy(): void {
    this.client.destroy();
    if (this.presigner && this.presigner !== this.client) this.presigner.destroy();
  }
}

/** S3's "no such key" (not a missing bucket: that is a configuration error, not a gone artifact). */
function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/**
 * A store that could not be reached or answered with a fault of its own (down, wedged, 5xx): a
 * download answers 503 as for a database outage, which clients retry, not a 500 of Kiln's.
 */
function isUnreachable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return (
    e.name === 'TimeoutError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(
      e.code ?? '',
    )
  );
}
