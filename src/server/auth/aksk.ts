import type { FastifyRequest } from 'fastify';
import {
  canonicalQuery,
  canonicalUri,
  EMPTY_SHA256,
  parseAuthorization,
  parseSdkDate,
  type ParsedAuthorization,
  sha256Hex,
  stringToSign,
  UNSIGNED_PAYLOAD,
} from '../../contract/aksk-signing.ts';
import type { AkskClaim } from '../../engine/access-key-service.ts';
import { unauthenticated } from '../../engine/auth-service.ts';

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The query as decoded pairs; `plusIsSpace` reads `+` the form-encoding way. */
function queryPairs(raw: string, plusIsSpace: boolean): [string, string][] {
  if (raw === '') return [];
  return raw
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      const read = (s: string) => decodeOrKeep(plusIsSpace ? s.replace(/\+/g, ' ') : s);
      return [read(k), read(v)];
    });
}

/** Methods that only read: their signatures may be seen more than once (see AkskClaim.singleUse). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The most a GET's body may hold: nothing reads it but the signature check. */
const UNPARSED_BODY_LIMIT = 64 * 1024;

/**
 * Reads the body of a GET or HEAD, which Fastify leaves unread: the official SDK sends `{}` with
 * its IAM GETs (GET /v3/projects) and signs it, so the signature is checked against the bytes
 * that came. The handler still sees no body.
 */
export async function readUnparsedBody(request: FastifyRequest): Promise<void> {
  if (request.rawBody !== undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return;
  const length = request.headers['content-length'];
  if ((length === undefined || length === '0') && request.headers['transfer-encoding'] === undefined) return;
  if (length !== undefined && Number(length) > UNPARSED_BODY_LIMIT)
    throw unauthenticated(`verify aksk signature fail: a ${request.method} body over 64 KiB is not read`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > UNPARSED_BODY_LIMIT)
      throw unauthenticated(`verify aksk signature fail: a ${request.method} body over 64 KiB is not read`);
    chunks.push(chunk);
  }
  request.rawBody = Buffer.concat(chunks);
}

/** Whether a content type is multipart/form-data (an upload), parameters aside. */
function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() === 'multipart/form-data';
}

/**
 * The payload hash the signature must cover: always that of the body the server read, never
 * just the client's word for it. X-Sdk-Content-Sha256, when sent, must be that hash, or
 * `UNSIGNED-PAYLOAD`, which the SDKs send for bodies that are not JSON: accepted for a streamed
 * body (an import, read as it arrives, so it cannot be hashed before the check), a multipart one
 * (an upload) and an empty one, refused for any other (anyone could swap a JSON body). A streamed
 * body must be UNSIGNED-PAYLOAD.
 */
function payloadHashOf(request: FastifyRequest): string {
  const header = request.headers['x-sdk-content-sha256'];
  const claimed = typeof header === 'string' ? header : undefined;
  const streamed = typeof (request.body as { pipe?: unknown } | undefined)?.pipe === 'function';
  if (streamed) {
    if (claimed === UNSIGNED_PAYLOAD) return UNSIGNED_PAYLOAD;
    throw unauthenticated(
      'verify aksk signature fail: a streamed (non-JSON) body cannot be checked before it is read; sign it with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD',
    );
  }
  // Fastify reads no body without a content type (nor for GET and HEAD, whose body
  // readUnparsedBody read): for the handler the body is empty, so an empty body is what is checked.
  const body = request.rawBody;
  const actual = body && body.length > 0 ? sha256Hex(body) : EMPTY_SHA256;
  if (claimed === undefined) return actual;
  if (claimed === UNSIGNED_PAYLOAD) {
    // The SDKs sign a multipart upload (UploadKeystore) so: its parts are checked by the route.
    if (actual === EMPTY_SHA256 || isMultipart(request.headers['content-type'])) return UNSIGNED_PAYLOAD;
    throw unauthenticated(
      'verify aksk signature fail: UNSIGNED-PAYLOAD is accepted only for streamed, multipart or empty bodies; sign this body',
    );
  }
  if (claimed.toLowerCase() !== actual) {
    throw unauthenticated('verify aksk signature fail: the body does not match X-Sdk-Content-Sha256');
  }
  return claimed;
}

/** A signed request's Authorization and date, or a 401 saying which is not right. */
export function akskHeadOf(request: FastifyRequest): {
  parsed: ParsedAuthorization;
  date: string;
  signedAt: number;
} {
  const parsed = parseAuthorization(String(request.headers.authorization ?? ''));
  if (!parsed) throw unauthenticated('verify aksk signature fail');
  if (!parsed.signedHeaders.includes('x-sdk-date')) {
    throw unauthenticated('verify aksk signature fail: X-Sdk-Date must be signed');
  }
  const date = request.headers['x-sdk-date'];
  const signedAt = typeof date === 'string' ? parseSdkDate(date) : undefined;
  if (signedAt === undefined || typeof date !== 'string') {
    throw unauthenticated('verify aksk signature fail: X-Sdk-Date must be yyyyMMddTHHmmssZ');
  }
  return { parsed, date, signedAt };
}

/**
 * Whether a signed request's signature can be checked before its body is read: its payload is
 * signed as UNSIGNED-PAYLOAD (the SDKs' upload), so the body is no part of what was signed. (A
 * streamed body must be signed so too, but is read by its handler, after the check anyway.)
 */
export function signedWithoutBody(request: FastifyRequest): boolean {
  return (
    request.headers['x-sdk-content-sha256'] === UNSIGNED_PAYLOAD &&
    isMultipart(request.headers['content-type'])
  );
}

/**
 * Reads a signed request into what the engine checks. Signers differ in two places, so both
 * readings are offered: the Python SDK decodes the path before encoding it (one encoding), the
 * Node SDK encodes the path as sent (`%` becomes `%25`); and `+` in a query is a plus to the
 * SDKs but a space to form encoders.
 */
export function akskClaimOf(request: FastifyRequest): AkskClaim {
  const { parsed, date, signedAt } = akskHeadOf(request);
  const headers = parsed.signedHeaders.map((name) => {
    const value = request.headers[name];
    return [name, Array.isArray(value) ? value.join(',') : (value ?? '')] as const;
  });
  const payloadHash = payloadHashOf(request);
  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const uris = new Set([canonicalUri(rawPath.split('/').map(decodeOrKeep).join('/')), canonicalUri(rawPath)]);
  const queries = new Set([
    canonicalQuery(queryPairs(rawQuery, false)),
    canonicalQuery(queryPairs(rawQuery, true)),
  ]);
  const candidates: string[] = [];
  for (const uri of uris) {
    for (const query of queries) {
      candidates.push(stringToSign({ method: request.method, uri, query, headers, payloadHash }, date));
    }
  }
  const projectId = request.headers['x-project-id'];
  return {
    ak: parsed.ak,
    signature: parsed.signature,
    signedAt,
    candidates,
    projectId: typeof projectId === 'string' && projectId !== '' ? projectId : undefined,
    singleUse: !SAFE_METHODS.has(request.method),
  };
}
