import { pipeline, Transform, type Readable } from 'node:stream';

/**
 * True when an `If-None-Match` header names `etag` (RFC 9110 §13.1.2): `*`, or a list of tags
 * compared weakly (`W/"x"` matches `"x"`), so a cache that holds the representation gets a 304.
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const plain = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === plain);
}

/**
 * `Content-Disposition` for a download saved as `name`: RFC 8187's `filename*`, whose value may
 * hold only its attr-chars (encodeURIComponent leaves `'`, `(`, `)` and `*` as they are).
 */
export function attachment(name: string): string {
  const value = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${value}`;
}

/**
 * `body` as a stream of exactly `length` bytes, failing when it ends short or runs long (or fails
 * itself): the answer's Content-Length was sent before the bytes, so a short body must end the
 * connection (the client sees an error at once) rather than leave it waiting for bytes that never
 * come.
 */
export function exactly(body: NodeJS.ReadableStream, length: number): Readable {
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > length ? new Error(`the body ran past its ${length} bytes`) : null, chunk);
    },
    flush(done) {
      done(seen < length ? new Error(`the body ended after ${seen} of its ${length} bytes`) : null);
    },
  });
  // Errors end `counted` (and with it the answer); the callback only keeps them from being thrown.
  return pipeline(body, counted, () => {});
}
